"""The local catalog: an SQLite + FTS5 index of Crossref-format work records.

It answers ``search`` and ``lookup`` exactly like the Crossref client, so the matcher
treats it as one more source, and a machine without network resolves whatever it holds.
Records come from ``refkit catalog import`` (JSON lines, API envelopes, the public data
file's ``{"items": [...]}`` files, gzipped or not), from every work fetched live, and from
the workspace's ``seeds/*.works.jsonl``, re-indexed whenever one of them changes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import re
import sqlite3
import sys
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from refkit.errors import RefkitError, cannot_write
from refkit.settings import Settings
from refkit.text import strip_markup

CATALOG_FILE = "catalog.sqlite"

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS works (
    id INTEGER PRIMARY KEY,    -- also the rowid of the work's row in works_fts
    doi TEXT NOT NULL UNIQUE,  -- lower-cased DOI
    record TEXT NOT NULL,      -- the Crossref item, as JSON
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
    """Crossref-compatible ``search``/``lookup`` over an SQLite FTS5 index."""

    name = "catalog"

    def __init__(
        self, settings: Settings | None = None, *, path: Path | str | None = None, index_seeds: bool = True
    ) -> None:
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
        if index_seeds:
            self.sync_seeds(Path(self.settings.seeds_dir))

    def _set_aside(self, why: str) -> sqlite3.Connection:
        kept = self.path.with_name(f"{self.path.name}.old-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                self.path.with_name(self.path.name + suffix).replace(kept.with_name(kept.name + suffix))
        print(f"refkit: warning: local catalog {self.path} is from another refkit ({why}); kept as "
              f"{kept.name}, starting a fresh one (seeds re-index themselves; re-run imports)",
              file=sys.stderr)
        return _connect(self.path)

    # -- the source interface ------------------------------------------------------------
    def search(self, query: str, rows: int = 5) -> list[dict[str, Any]]:
        """The best ``rows`` records for a free-text reference string (BM25 ranking)."""
        match = fts_query(query)
        if not match:
            return []
        with self._lock:
            found = self._db.execute(
                "SELECT w.record FROM works_fts JOIN works w ON w.id = works_fts.rowid "
                "WHERE works_fts MATCH ? ORDER BY bm25(works_fts, 4.0, 2.0, 1.0, 1.0) LIMIT ?",
                (match, rows),
            ).fetchall()
        return [json.loads(r[0]) for r in found]

    def lookup(self, doi: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT record FROM works WHERE doi = ?", (doi.strip().lower(),)
            ).fetchone()
        return json.loads(row[0]) if row else None

    # -- filling it --------------------------------------------------------------------
    def add(self, records: Iterable[dict[str, Any]], origin: str = "import") -> int:
        """Insert or replace work records; returns how many were stored."""
        count = 0
        with self._lock, self._db:
            for record in records:
                doi = str(record.get("DOI") or "").strip().lower()
                if not doi:
                    continue
                record_json = json.dumps(record, ensure_ascii=False)
                row = self._db.execute("SELECT id FROM works WHERE doi = ?", (doi,)).fetchone()
                if row:
                    work_id = row[0]
                    self._db.execute("DELETE FROM works_fts WHERE rowid = ?", (work_id,))
                    self._db.execute(
                        "UPDATE works SET record = ?, origin = ? WHERE id = ?", (record_json, origin, work_id)
                    )
                else:
                    work_id = self._db.execute(
                        "INSERT INTO works(doi, record, origin) VALUES (?, ?, ?)", (doi, record_json, origin)
                    ).lastrowid
                self._db.execute(
                    "INSERT INTO works_fts(rowid, title, authors, container, numbers) VALUES (?, ?, ?, ?, ?)",
                    (work_id, *_index_fields(record)),
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

    def sync_seeds(self, seeds_dir: Path) -> int:
        """Index ``seeds_dir/*.works.jsonl``; a file is re-read only when it changed."""
        if not seeds_dir.is_dir():
            return 0
        loaded = 0
        for path in sorted(seeds_dir.glob("*.works.jsonl")):
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


def read_works(path: Path) -> Iterator[dict[str, Any]]:
    """Yield work records from JSON lines, an API envelope (work or work list) or an items file."""
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


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if v)
    return strip_markup(str(value)) if value else ""


def _index_fields(record: dict[str, Any]) -> tuple[str, str, str, str]:
    # Every title the deposit gives: a translated one may be what the citation prints.
    titles = (_first(record.get(key)) for key in ("title", "subtitle", "original-title", "short-title"))
    title = " ".join(filter(None, titles))
    authors = " ".join(a.get("family") or a.get("name") or "" for a in record.get("author") or [])
    container = " ".join(
        filter(None, [_first(record.get("container-title")), _first(record.get("short-container-title"))])
    )
    numbers = []
    for key in ("issued", "published-print", "published-online"):
        parts = (record.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            numbers.append(str(parts[0][0]))
    for key in ("volume", "issue", "page", "article-number"):
        if record.get(key):
            numbers.append(str(record[key]).replace("-", " "))
    return title, authors, container, " ".join(numbers)


def fts_query(text: str, limit: int = 80) -> str:
    """A safe FTS5 OR query from free text: each distinct word quoted, stopwords dropped."""
    folded = unicodedata.normalize("NFKC", strip_markup(text)).casefold()
    seen: list[str] = []
    for token in _TOKEN.findall(folded):
        if token in _STOPWORDS or (len(token) < 2 and not token.isdigit()) or token in seen:
            continue
        seen.append(token)
        if len(seen) >= limit:
            break
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in seen)
