"""The local catalog: an SQLite + FTS5 index of works, a :class:`~refkit.resolve.source.Source`.

It answers ``search`` and ``lookup`` like every other source (with :class:`Work` objects), so
the matcher treats it as one more source, and a machine without network resolves whatever it
holds. Works come from ``refkit catalog import`` (Crossref JSON lines, API envelopes, the public
data file's ``{"items": [...]}`` files, gzipped or not), from every work fetched live
(write-through), and from files the workspace indexes (``index_file``: re-read only when changed).
It stores works in refkit's own shape (``Work.to_dict``), whatever source they came from; one work
known to two sources (the same DOI) is one row with both identifiers.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from refkit.errors import RefkitError, SourceUnavailable, cannot_write
from refkit.messages import warn
from refkit.model import Reference, Work
from refkit.resolve.crossref_records import query_text, work_from_crossref
from refkit.settings import Settings
from refkit.text import fold

CATALOG_FILE = "catalog.sqlite"

SCHEMA_VERSION = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS works (
    id INTEGER PRIMARY KEY,    -- also the rowid of the work's row in works_fts
    doi TEXT UNIQUE,           -- lower-cased DOI, when the work has one
    pmid TEXT UNIQUE,          -- PubMed id, when known
    record TEXT NOT NULL,      -- the Work, as JSON (Work.to_dict)
    origin TEXT NOT NULL       -- file path, 'crossref' (fetched live) or 'import'
);
CREATE INDEX IF NOT EXISTS works_origin ON works(origin);
CREATE VIRTUAL TABLE IF NOT EXISTS works_fts USING fts5(
    title, authors, container, numbers, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS seed_files (
    path TEXT PRIMARY KEY, mtime REAL, size INTEGER, sha256 TEXT
);
"""

# Words too common to help rank candidates; dropping them keeps OR queries selective.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "et",
        "al",
        "vs",
        "via",
    ]
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _connect(path: Path) -> sqlite3.Connection:
    # One connection shared by the resolver's threads; the catalog's lock serialises use.
    db = sqlite3.connect(path, timeout=30, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")  # readers and a writer in two processes
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; a cache need not fsync
    return db


class LocalCatalog:
    """``search``/``lookup`` over an SQLite FTS5 index of works (the embedded, offline source)."""

    name = "catalog"
    local = True

    def __init__(self, settings: Settings | None = None, *, path: Path | str | None = None) -> None:
        self.settings = settings or Settings()
        self.path = Path(path) if path else Path(self.settings.cache_dir) / CATALOG_FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise cannot_write(self.path, err) from None
        try:
            self._db = _connect(self.path)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                if self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    # A catalog from another refkit version: kept aside (it may hold imports), not dropped.
                    self._db.close()
                    self._db = self._set_aside(f"schema version {version}, this refkit uses {SCHEMA_VERSION}")
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as err:
            hint = ""
            if type(err) is sqlite3.DatabaseError:  # "not a database", "malformed": the file is damaged
                hint = "; move it aside and run again (seeds re-index themselves, imports must be redone)"
            raise RefkitError(f"cannot open the local catalog {self.path}: {err}{hint}") from None
        self._lock = threading.RLock()
        self._check()

    def _check(self) -> None:
        """Read every page of the index once: damage past the header shows now, in one line,
        not as an error on every reference later."""
        try:
            with self._lock:
                problem = self._db.execute("PRAGMA quick_check(1)").fetchone()[0]
                self._db.execute("SELECT count(*) FROM works_fts").fetchone()
        except sqlite3.DatabaseError as err:
            problem = str(err)
        if problem != "ok":
            raise RefkitError(f"the local catalog {self.path} is damaged ({problem}); move it aside "
                              f"and run again (seeds re-index themselves, imports must be redone)")

    def _set_aside(self, why: str) -> sqlite3.Connection:
        kept = self.path.with_name(f"{self.path.name}.old-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                self.path.with_name(self.path.name + suffix).replace(kept.with_name(kept.name + suffix))
        warn(f"local catalog {self.path} is from another refkit ({why}); kept as "
             f"{kept.name}, starting a fresh one (seeds re-index themselves; re-run imports)")
        return _connect(self.path)

    # -- the source interface ------------------------------------------------------------
    def search(self, ref: Reference, rows: int = 5) -> list[Work]:
        """The best ``rows`` works for a reference (BM25 ranking over its whole text)."""
        return self.search_text(query_text(ref), rows)

    def search_text(self, query: str, rows: int = 5) -> list[Work]:
        """The best ``rows`` works for a free-text reference string (BM25 ranking)."""
        match = fts_query(query)
        if not match:
            return []
        found = self._rows(
            "SELECT w.record FROM works_fts JOIN works w ON w.id = works_fts.rowid "
            "WHERE works_fts MATCH ? ORDER BY bm25(works_fts, 4.0, 2.0, 1.0, 1.0) LIMIT ?",
            (match, rows),
        )
        return [self._work(r[0]) for r in found]

    def lookup(self, *, doi: str | None = None, pmid: str | None = None,
               pmcid: str | None = None) -> list[Work]:
        found: list[Work] = []
        if doi:
            found += [self._work(r[0]) for r in self._rows("SELECT record FROM works WHERE doi = ?",
                                                            (doi.strip().lower(),))]
        if pmid and not found:
            found += [self._work(r[0]) for r in self._rows("SELECT record FROM works WHERE pmid = ?",
                                                            (pmid.strip(),))]
        if pmcid and not found:
            pattern = f'%"pmcid": "{pmcid.strip().upper()}"%'
            found += [self._work(r[0]) for r in self._rows("SELECT record FROM works WHERE record LIKE ?",
                                                            (pattern,))]
        return found

    def _rows(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as err:  # damaged after it opened: the catalog cannot be asked
            raise SourceUnavailable(f"the local catalog {self.path} cannot be read: {err}") from None

    def _work(self, record_json: str) -> Work:
        work = Work.from_dict(json.loads(record_json))
        work.origin = work.origin or self.name
        return work

    # -- filling it --------------------------------------------------------------------
    def add_records(self, records: Iterable[dict[str, Any]], origin: str = "import") -> int:
        """Insert Crossref-format work records; returns how many were stored."""
        return self.add((work_from_crossref(r) for r in records if r.get("DOI")), origin=origin)

    def add(self, works: Iterable[Work], origin: str = "import") -> int:
        """Insert works, merging one already held under the same DOI or PMID; returns how many."""
        count = 0
        with self._lock, self._db:
            for work in works:
                doi = (work.doi or "").strip().lower() or None
                pmid = (work.pmid or "").strip() or None
                if not doi and not pmid:
                    continue
                row = self._db.execute(
                    "SELECT id, record FROM works WHERE doi = ? OR pmid = ?", (doi, pmid)
                ).fetchone()
                if row:
                    work_id = row[0]
                    held = Work.from_dict(json.loads(row[1]))
                    merged = work.merge(held)  # the newer answer wins; the other adds its identifiers
                    doi = (merged.doi or "").lower() or None
                    pmid = merged.pmid or None
                    self._db.execute("DELETE FROM works_fts WHERE rowid = ?", (work_id,))
                    self._db.execute(
                        "UPDATE works SET doi = ?, pmid = ?, record = ?, origin = ? WHERE id = ?",
                        (doi, pmid, _dump(merged), origin, work_id),
                    )
                    work = merged
                else:
                    work_id = self._db.execute(
                        "INSERT INTO works(doi, pmid, record, origin) VALUES (?, ?, ?, ?)",
                        (doi, pmid, _dump(work), origin),
                    ).lastrowid
                self._db.execute(
                    "INSERT INTO works_fts(rowid, title, authors, container, numbers) VALUES (?, ?, ?, ?, ?)",
                    (work_id, *_index_fields(work)),
                )
                count += 1
        return count

    def import_file(self, path: Path | str, origin: str = "import") -> int:
        """Load one file of works (any supported shape, gzipped or not)."""
        path = Path(path)
        if path.is_dir():
            raise RefkitError(f"{path} is a directory, not a file")
        if not path.is_file():
            raise RefkitError(f"no such file: {path}")
        try:
            return self.add(read_works(path), origin=origin)
        except UnicodeDecodeError:
            raise RefkitError(f"cannot read works from {path}: not UTF-8 JSON (a binary file?)") from None
        except json.JSONDecodeError as err:
            raise RefkitError(f"cannot read works from {path}: not JSON ({err.msg})") from None
        except (OSError, EOFError) as err:
            raise RefkitError(f"cannot read works from {path}: {err}") from None

    def index_files(self, paths: Iterable[Path]) -> int:
        """Index files of works kept beside the articles (a workspace's ``seeds/*.works.jsonl``);
        a file is re-read only when it changed, and what it held before is replaced."""
        loaded = 0
        for path in sorted(paths):
            stat = path.stat()
            key = str(path.resolve())
            with self._lock:
                known = self._db.execute(
                    "SELECT mtime, size, sha256 FROM seed_files WHERE path = ?", (key,)
                ).fetchone()
            if known and known[0] == stat.st_mtime and known[1] == stat.st_size:
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if not known or known[2] != digest:
                with self._lock, self._db:
                    self._db.execute(
                        "DELETE FROM works_fts WHERE rowid IN (SELECT id FROM works WHERE origin = ?)", (key,)
                    )
                    self._db.execute("DELETE FROM works WHERE origin = ?", (key,))
                loaded += self.import_file(path, origin=key)
            with self._lock, self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO seed_files(path, mtime, size, sha256) VALUES (?, ?, ?, ?)",
                    (key, stat.st_mtime, stat.st_size, digest),
                )
        return loaded

    def stats(self) -> dict[str, Any]:
        with self._lock:
            by_origin = self._db.execute("SELECT origin, COUNT(*) FROM works GROUP BY origin").fetchall()
        counts = {origin: n for origin, n in by_origin}
        return {"path": str(self.path), "works": sum(counts.values()), "by_origin": counts}

    def close(self) -> None:
        with self._lock:
            self._db.close()


def read_works(path: Path) -> Iterator[Work]:
    """Works from a file: Crossref JSON lines, an API envelope (work or list) or an items file."""
    for record in read_records(path):
        yield work_from_crossref(record, origin="catalog")


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Crossref records from JSON lines, an API envelope (work or work list) or an items file."""
    opener = gzip.open if _is_gzip(path) else open
    with opener(path, "rt", encoding="utf-8") as fh:
        text = fh.read()
    stripped = text.lstrip()
    if not stripped:
        return
    try:
        # One JSON document: an envelope, an items file, a list, or a single work.
        yield from _works_in(json.loads(stripped))
        return
    except json.JSONDecodeError:
        pass
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield from _works_in(json.loads(line))
            except json.JSONDecodeError as err:
                raise json.JSONDecodeError(f"line {n}: {err.msg}", err.doc, err.pos) from err


def _works_in(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, list):
        for item in doc:
            yield from _works_in(item)
    elif isinstance(doc, dict):
        if "message" in doc and isinstance(doc["message"], dict):  # API envelope
            yield from _works_in(doc["message"])
        elif isinstance(doc.get("items"), list):  # work list message or public data file
            yield from _works_in(doc["items"])
        elif doc.get("DOI"):
            yield doc


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _dump(work: Work) -> str:
    d = {k: v for k, v in work.to_dict().items() if v not in (None, "", [])}  # compact: no empty fields
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def _index_fields(work: Work) -> tuple[str, str, str, str]:
    # Every title the record gives: a translated one may be what the citation prints.
    title = " ".join(filter(None, [work.title or "", work.subtitle or "", *work.other_titles]))
    authors = " ".join(a.family for a in work.authors)
    container = " ".join(filter(None, [work.container_title or "", work.short_container_title or ""]))
    numbers = [str(y) for y in work.years]
    numbers += [str(v).replace("-", " ") for v in (work.volume, work.issue, work.first_page, work.last_page,
                                                   work.article_number) if v]
    return title, authors, container, " ".join(numbers)


def fts_query(text: str, limit: int = 80) -> str:
    """A safe FTS5 OR query from free text: each distinct word quoted, stopwords dropped."""
    folded = fold(text)
    seen: list[str] = []
    for token in _TOKEN.findall(folded):
        if token in _STOPWORDS or (len(token) < 2 and not token.isdigit()) or token in seen:
            continue
        seen.append(token)
        if len(seen) >= limit:
            break
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in seen)
