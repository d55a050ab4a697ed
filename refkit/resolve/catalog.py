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
import hashlib
import itertools
import json
import math
import os
import sqlite3
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refkit.errors import RefkitError, SourceUnavailable, cannot_write
from refkit.fileio import open_sqlite_waiting, sqlite_damaged
from refkit.gc_pause import no_cycle_collection
from refkit.messages import warn
from refkit.model import Reference, Work
from refkit.resolve.catalog_index import (
    ZDICT,
    Prepared,
    PreparedBatch,
    decode_work,
    fields_terms,
    group,
    prepare,
    prepare_file,
    query_terms,
    term_hashes,
    work_terms,
)
from refkit.resolve.crossref_records import query_text, work_from_crossref
from refkit.settings import Settings

CATALOG_FILE = "catalog.sqlite"
# How long a run waits for another process holding the catalog (an import commits a batch in seconds).
_BUSY_TIMEOUT_S = 30.0

SCHEMA_VERSION = 6  # 6: the avp: key (first author + volume + first page)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS origins (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS works (
    id INTEGER PRIMARY KEY,    -- the number postings list the work under
    doi TEXT UNIQUE,           -- lower-cased DOI, when the work has one
    pmid TEXT,                 -- PubMed id, when known (unique: works_pmid)
    pmcid TEXT,                -- PMC id (upper case), when known
    record BLOB NOT NULL,      -- the Work: compact JSON text (older rows: deflated with meta.zdict)
    origin INTEGER NOT NULL    -- origins.id: a seed file's path, 'crossref' (fetched live), 'import' …
);
CREATE INDEX IF NOT EXISTS works_origin ON works(origin);
-- Partial: most works (Crossref's) have no PMID, and a NULL entry a work cost an index insert.
CREATE UNIQUE INDEX IF NOT EXISTS works_pmid ON works(pmid) WHERE pmid IS NOT NULL;
CREATE INDEX IF NOT EXISTS works_pmcid ON works(pmcid) WHERE pmcid IS NOT NULL;
-- The inverted index: each term's work ids, in segments (one per write batch) of uint32 ids.
-- A term is its 64-bit hash (catalog_index.term_hashes), not its text.
CREATE TABLE IF NOT EXISTS postings (
    term INTEGER NOT NULL, seg INTEGER NOT NULL, n INTEGER NOT NULL, ids BLOB NOT NULL,
    PRIMARY KEY (term, seg)
) WITHOUT ROWID;
-- Each term's document frequency over its postings segments, so a search's first step is one
-- row per term, however many segments the term has (thousands at Crossref's size).
CREATE TABLE IF NOT EXISTS terms (term INTEGER PRIMARY KEY, df INTEGER NOT NULL);
-- A segment of at most SPARSE_IDS ids (most of them: near-unique keys, rare words) is kept here
-- instead, with no terms row: reading it costs a search what reading its df would.
CREATE TABLE IF NOT EXISTS sparse (
    term INTEGER NOT NULL, seg INTEGER NOT NULL, ids BLOB NOT NULL, PRIMARY KEY (term, seg)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seed_files (path TEXT PRIMARY KEY, mtime REAL, size INTEGER, sha256 TEXT);
-- Files import_path has committed: a resumed import skips them (every record exactly once).
CREATE TABLE IF NOT EXISTS imported_files (path TEXT PRIMARY KEY, size INTEGER, mtime REAL, works INTEGER);
"""

# A search reads at most this many work ids, from its rarest terms first: its cost is bounded
# by this, not by the catalog's size. A term more common than what is left of the budget
# selects nothing worth reading. Measured at 1M works (bench_catalog): 5,000 / 10,000 / 20,000
# ids gave CPU p50 1.7 / 2.3 / 3.2 ms and recall 0.998 / 1.000 / 0.999 on the corpus pages.
POSTINGS_BUDGET = 10_000
# The first pass's best works read again and ranked by every query term they hold (the common
# terms it left out included): each costs a record read, decoded and its terms made (~15 µs
# here), so 30 add ~0.5 ms a search whatever the catalog's size. Measured at 1M (bench, warm,
# idle): 100 made search p50/p95 0.96/1.44 -> 2.52/3.87 ms, past 3x the 100k p50.
RESCORED = 30
# A write batch's segment of a term with at most this many ids goes to ``sparse`` (one row)
# rather than to ``postings`` + ``terms`` (two). At 1M works 97% of the segments are this
# small (``vp:``/``ay:`` keys and rare words; 84% hold 1-3 ids), and the two rows a segment
# were most of the serial writer's time. A search reads a query term's sparse rows whole (a row
# of <= 32 bytes costs what its df row would); it reads one a write batch that met the term, so
# a term rare in every batch of a huge import costs one row a batch (cf. segments, below).
SPARSE_IDS = 8
# Postings held in memory before a write batch is committed (bounds an import's memory: 8 bytes
# a posting plus each distinct term once, ~130 MB at this size; the files of a batch are marked
# imported in the same transaction). Each commit writes one row a distinct term of the batch
# into postings and terms, and most terms of a large catalog are near-unique keys (vp:, ay:), so
# fewer, larger batches mean fewer rows: at 1M works, 2M postings a batch wrote 1.53M postings
# rows, 8M about half that, and those rows were most of the writer's time.
FLUSH_POSTINGS = 8_000_000
# Prepared files waiting for the writer, per worker: enough to keep the workers going while the
# writer commits a batch (seconds), bounded in memory (~2.5 MB a file of 5,000 works). Timed at
# 1M works, the writer waited on the workers 12 s of 48 with 12 files a worker: a flush of 8M
# postings (2-3 s) filled the window, the workers stopped, and the writer then drained it and
# waited for them; 24 keeps them going through a flush (~120 MB in flight at most).
FILES_AHEAD = 24
# While an import writes, SQLite copies the WAL back into the database only once the WAL holds
# this much (instead of every 1,000 pages, SQLite's default): the DOI and term indexes' pages are
# rewritten by every commit, and each checkpoint copied (and synced) them again, ~2 µs a record
# in the writer. The WAL is bounded all the same (disk: the database plus this), and the import
# checkpoints and truncates it when it ends. A WAL survives kill -9 like the database.
IMPORT_WAL_BYTES = 1 << 30
# A damaged page shows on open: the whole file is read when it is this small (a second or
# so), else the ends of each table (reading 100 GB at every open is not a check but a wait).
FULL_CHECK_BYTES = 512 * 2**20
_DAMAGED_HINT = "move it aside and run again (records beside articles re-index; imports must be redone)"
DATA_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz", ".xml", ".xml.gz")


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to the catalog at ``path``, its tables made (a new file gets them at once)."""
    return open_sqlite_waiting(lambda: _connect_once(path), _BUSY_TIMEOUT_S)


def _connect_once(path: Path) -> sqlite3.Connection:
    # One connection shared by the resolver's threads; the catalog's lock serialises use.
    db = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, check_same_thread=False)
    try:
        db.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
        db.execute("PRAGMA journal_mode=WAL")  # readers and a writer in two processes
        db.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent after kill -9; need not fsync
        # Version and tables in one transaction: another process opening the file meanwhile sees
        # a new file or a whole one, never a version without its tables.
        db.executescript(f"BEGIN IMMEDIATE; PRAGMA user_version = {SCHEMA_VERSION}; {_SCHEMA} COMMIT;")
        return db
    except BaseException:
        db.close()
        raise


def _probe(path: Path) -> tuple[int, int]:
    """The file's schema version and how many tables it has (0, 0: a new file)."""
    probe = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S)
    try:
        # One statement, one snapshot: read apart, a version from before another process made
        # the file and a table count from after would make a new catalog look like an old one.
        version, tables = probe.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
        return int(version), int(tables)
    finally:
        probe.close()


@dataclass
class ImportProgress:
    """What an import has done so far (handed to the progress callback after every file)."""

    files_done: int
    files_total: int
    works: int
    bytes_done: int
    bytes_total: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Works a second so far."""
        return self.works / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left, from the bytes read so far (files differ in size, records less so)."""
        if not self.bytes_done or self.elapsed <= 0:
            return None
        return self.elapsed * (self.bytes_total - self.bytes_done) / self.bytes_done


@dataclass
class ImportReport:
    works: int = 0  # works stored (new or merged)
    files: int = 0  # files read this time
    skipped: int = 0  # files an earlier (interrupted) import had committed
    failures: list[str] = field(default_factory=list)  # one line per file that could not be read
    empty: list[str] = field(default_factory=list)  # files read that held no work


class LocalCatalog:
    """``search``/``lookup`` over an SQLite inverted index of works (the embedded, offline source)."""

    name = "catalog"
    local = True

    def __init__(self, settings: Settings | None = None, *, path: Path | str | None = None) -> None:
        self.settings = settings or Settings()
        self.path = Path(path) if path else Path(self.settings.cache_dir) / CATALOG_FILE
        self._lock = threading.RLock()
        self._origins: dict[str, int] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise cannot_write(self.path, err) from None
        try:
            self._db = self._open()
            self._zdict = self._meta_blob("zdict", ZDICT)
        except sqlite3.Error as err:
            hint = ""
            if sqlite_damaged(err):
                hint = f"; {_DAMAGED_HINT}"  # "not a database", "malformed": the file is damaged
            raise RefkitError(f"cannot open the local catalog {self.path}: {err}{hint}") from None
        self._check()

    # -- opening: versions, damage ------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        # The version first: an old file stays as it was.
        version, tables = open_sqlite_waiting(lambda: _probe(self.path), _BUSY_TIMEOUT_S)
        if version != SCHEMA_VERSION and tables:
            return self._replace_old(version)
        return _connect(self.path)

    def _replace_old(self, version: int) -> sqlite3.Connection:
        """A catalog from another refkit version: kept aside (it may hold imports, not dropped),
        and its works carried into a fresh one when its rows are records (schema 2: Crossref
        JSON; schema 3: refkit's Work JSON; schema 4: Work JSON, text or deflated, indexed by
        term text where schema 5 keeps term hashes; schema 5: as 6, without the ``avp:`` key,
        so its works are indexed again)."""
        kept = self.path.with_name(f"{self.path.name}.old-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                self.path.with_name(self.path.name + suffix).replace(kept.with_name(kept.name + suffix))
        db = _connect(self.path)
        self._db = db
        self._zdict = self._meta_blob("zdict", ZDICT)
        self._origins = {}
        old = sqlite3.connect(kept)
        try:
            columns = {r[1] for r in old.execute("PRAGMA table_info(works)")}
            carried = 0
            if {"record", "origin"} <= columns:
                carried = self._carry_over(old)
        except sqlite3.DatabaseError as err:
            warn(f"local catalog {self.path} is from another refkit (schema {version}) and cannot be "
                 f"read ({err}); kept as {kept.name}, starting a fresh one (re-run imports)")
            return db
        finally:
            old.close()
        if carried:
            warn(f"local catalog {self.path} was from another refkit (schema {version}); rebuilt for "
                 f"schema {SCHEMA_VERSION} with its {carried} works; the old file is kept as "
                 f"{kept.name} (delete it when satisfied)")
        else:
            warn(f"local catalog {self.path} is from another refkit (schema {version}); kept as "
                 f"{kept.name}, starting a fresh one (records beside articles re-index; re-run imports)")
        return db

    def _carry_over(self, old: sqlite3.Connection) -> int:
        tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        zdict = ZDICT
        if "meta" in tables:  # schema 4: records deflated with the catalog's own dictionary
            row = old.execute("SELECT value FROM meta WHERE key = 'zdict'").fetchone()
            zdict = bytes(row[0]) if row else ZDICT
        # Schema 4 numbers origins (origins.id); 2 and 3 name them in the works row.
        names = dict(old.execute("SELECT id, name FROM origins")) if "origins" in tables else {}

        def works_of(origin: Any) -> Iterator[Work]:
            rows = old.execute("SELECT record FROM works WHERE origin = ? ORDER BY rowid", (origin,))
            for (record,) in rows:
                if isinstance(record, bytes) and not record.lstrip().startswith(b"{"):
                    yield decode_work(record, zdict)  # deflated (schema 4)
                    continue
                d = json.loads(record)
                # Schema 2 kept Crossref's own JSON ("DOI"), schema 3 and 4 refkit's Work ("doi").
                yield work_from_crossref(d, origin="catalog") if "DOI" in d else Work.from_dict(d)

        origins = [r[0] for r in old.execute("SELECT DISTINCT origin FROM works")]
        carried = sum(self.add(works_of(origin), origin=str(names.get(origin, origin))) for origin in origins)
        # The files their works came from stay done: a resumed import or workspace skips them.
        with self._lock, self._db:
            for table, width in (("imported_files", 4), ("seed_files", 4)):
                if table in tables:
                    self._db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({','.join('?' * width)})",
                                         old.execute(f"SELECT * FROM {table}"))
        return carried

    def _meta_blob(self, key: str, default: bytes) -> bytes:
        with self._lock, self._db:
            # Written first (unless there), read after: two processes opening a new catalog at
            # once both find the one value the first of them stored.
            self._db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (key, default))
            return bytes(self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def _check(self) -> None:
        """Damage past the header shows now, in one line, not as an error on every reference later."""
        try:
            with self._lock:
                if self.path.stat().st_size <= FULL_CHECK_BYTES:
                    problem = self._db.execute("PRAGMA quick_check(1)").fetchone()[0]
                else:
                    problem = "ok"
                for sql in ("SELECT id, record FROM works ORDER BY id LIMIT 1",
                            "SELECT id, record FROM works ORDER BY id DESC LIMIT 1",
                            "SELECT term, ids FROM postings ORDER BY term LIMIT 1",
                            "SELECT term, ids FROM postings ORDER BY term DESC LIMIT 1",
                            "SELECT term, ids FROM sparse ORDER BY term LIMIT 1",
                            "SELECT term, ids FROM sparse ORDER BY term DESC LIMIT 1"):
                    for row in self._db.execute(sql):
                        if sql.startswith("SELECT id"):
                            decode_work(row[1], self._zdict)
        except (sqlite3.DatabaseError, zlib.error, ValueError, OSError) as err:
            problem = str(err) or type(err).__name__
        if problem != "ok":
            problem = " ".join(problem.replace("*** in database main ***", "").split())  # one line
            raise RefkitError(f"the local catalog {self.path} is damaged ({problem}); {_DAMAGED_HINT}")

    # -- the source interface ------------------------------------------------------------
    def search(self, ref: Reference, rows: int = 5) -> list[Work]:
        """The best ``rows`` works for a reference: its text, and its parsed fields as keys."""
        return self._search(query_terms(query_text(ref), ref), rows)

    def search_text(self, query: str, rows: int = 5) -> list[Work]:
        """The best ``rows`` works for a free-text reference string."""
        return self._search(query_terms(query), rows)

    def _search(self, terms: list[str], rows: int) -> list[Work]:
        """Top-k without scoring every match, in two bounded passes.

        First the rarest terms' postings (at most ``POSTINGS_BUDGET`` ids read), each work
        ranked by the IDF of those it shares with the query. A term more common than what is
        left of the budget is not read: at a large catalog that can be every title word of a
        reference, and the works the keys bring (first author + year, volume + page) then tie
        with look-alikes that share those keys. So the ``RESCORED`` best of the first pass are
        read and ranked again by every query term they hold, the common ones included (from
        their records: the cost is theirs, not the common terms' postings)."""
        if not terms or rows <= 0:
            return []
        import numpy as np  # only searches need it (import time stays off the CLI's other paths)

        text_of = dict(zip(term_hashes(terms).tolist(), terms, strict=True))
        keys = tuple(text_of)
        marks = ",".join("?" * len(keys))
        df: dict[int, int] = dict(self._rows(f"SELECT term, df FROM terms WHERE term IN ({marks})", keys))
        dense = set(df)  # terms with segments in postings
        sparse: dict[int, list[Any]] = {}
        for term, blob in self._rows(f"SELECT term, ids FROM sparse WHERE term IN ({marks})", keys):
            sparse.setdefault(term, []).append(np.frombuffer(blob, dtype="<u4"))
            df[term] = df.get(term, 0) + len(blob) // 4
        if not df:
            return []
        total = max(self._rows("SELECT max(id) FROM works", ())[0][0] or 1, 1)
        idf = {t: math.log(1 + total / n) for t, n in df.items()}
        chosen: list[int] = []
        budget = POSTINGS_BUDGET
        for term in sorted(df, key=df.__getitem__):
            if df[term] > budget:
                break
            chosen.append(term)
            budget -= df[term]
        if not chosen:
            return []
        ids_parts, weights = [], []
        found_ids = [(t, ids) for t in chosen for ids in sparse.get(t, ())]  # read with the dfs
        read = tuple(t for t in chosen if t in dense)
        if read:
            found_ids += [(t, np.frombuffer(blob, dtype="<u4")) for t, blob in self._rows(
                f"SELECT term, ids FROM postings WHERE term IN ({','.join('?' * len(read))})", read)]
        for term, ids in found_ids:
            ids_parts.append(ids)
            weights.append(np.full(len(ids), idf[term]))
        all_ids = np.concatenate(ids_parts)
        unique, inverse = np.unique(all_ids, return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate(weights))
        read_terms = set(chosen)  # once: the comprehension below would build it a term
        left_out = {text_of[t]: idf[t] for t in df if t not in read_terms}
        keep = min(max(rows, RESCORED) if left_out else rows, len(unique))
        best = np.argpartition(-scores, keep - 1)[:keep] if keep < len(unique) else np.arange(len(unique))
        score_of = {int(unique[i]): float(scores[i]) for i in best}
        found = self._rows(f"SELECT id, record FROM works WHERE id IN ({','.join('?' * len(score_of))})",
                           tuple(score_of))
        if left_out:
            for i, record in found:
                score_of[i] += sum(left_out.get(t, 0.0) for t in self._record_terms(record))
        found.sort(key=lambda r: (score_of[r[0]], -r[0]), reverse=True)  # ties: the earlier work first
        return [self._work(record) for _, record in found[:rows]]

    def _record_terms(self, record: bytes | str) -> list[str]:
        """A stored work's terms, as the import gave them (``fields_terms`` of its JSON: the
        Work itself is built only for the works a search returns)."""
        if isinstance(record, str):
            try:
                return fields_terms(json.loads(record))
            except (ValueError, TypeError, KeyError):
                pass  # damaged: said by _work if it is returned
            return []
        try:
            return work_terms(decode_work(record, self._zdict))
        except (zlib.error, ValueError, TypeError):
            return []

    def lookup(self, *, doi: str | None = None, pmid: str | None = None,
               pmcid: str | None = None) -> list[Work]:
        for column, value in (("doi", (doi or "").strip().lower()), ("pmid", (pmid or "").strip()),
                              ("pmcid", (pmcid or "").strip().upper())):
            if value:
                found = [self._work(r[0]) for r in self._rows(f"SELECT record FROM works WHERE {column} = ?",
                                                              (value,))]
                if found:
                    return found
        return []

    def _rows(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as err:  # damaged after it opened: the catalog cannot be asked
            raise SourceUnavailable(f"the local catalog {self.path} cannot be read: {err}") from None

    def _work(self, record: bytes | str) -> Work:
        try:
            work = decode_work(record, self._zdict)
        except (zlib.error, ValueError, TypeError) as err:
            raise SourceUnavailable(f"the local catalog {self.path} holds a damaged record: {err}") from None
        work.origin = work.origin or self.name
        return work

    # -- filling it --------------------------------------------------------------------
    def add_records(self, records: Iterable[dict[str, Any]], origin: str = "import") -> int:
        """Insert Crossref-format work records; returns how many were stored."""
        return self.add((work_from_crossref(r) for r in records if r.get("DOI")), origin=origin)

    def add(self, works: Iterable[Work], origin: str = "import") -> int:
        """Insert works, merging one already held under the same DOI or PMID; returns how many.
        The resolver's write-through and every import go through here (or ``_Writer``)."""
        try:
            with self._lock, self._db:
                writer = _Writer(self, self._origin_id(origin))
                batch: list[Prepared] = []
                for work in works:
                    p = prepare(work)
                    if p is not None:
                        batch.append(p)
                    if len(batch) >= 5000:
                        writer.write(group(batch))
                        batch = []
                        if writer.pending >= FLUSH_POSTINGS:  # memory bounded (a rebuild is all of a catalog)
                            writer.flush()
                writer.write(group(batch))
                writer.flush()
                return writer.stored
        except sqlite3.DatabaseError as err:
            raise SourceUnavailable(f"the local catalog {self.path} cannot be written: {err}") from None

    def _origin_id(self, origin: str) -> int:
        if origin not in self._origins:
            self._db.execute("INSERT OR IGNORE INTO origins(name) VALUES (?)", (origin,))
            self._origins[origin] = self._db.execute("SELECT id FROM origins WHERE name = ?",
                                                     (origin,)).fetchone()[0]
        return self._origins[origin]

    def import_file(self, path: Path | str, origin: str = "import") -> int:
        """Load one file of works (any supported shape, gzipped or not), read again even if an
        earlier import had it (``import_path`` skips those)."""
        path = Path(path)
        if path.is_dir():
            raise RefkitError(f"{path} is a directory, not a file")
        if not path.is_file():
            raise RefkitError(f"no such file: {path}")
        _, prepared, problem = prepare_file(str(path))
        if problem:
            raise RefkitError(problem)
        try:
            with self._lock, self._db:
                writer = _Writer(self, self._origin_id(origin))
                if prepared is not None:
                    writer.write(prepared)
                writer.flush()
                return writer.stored
        except sqlite3.DatabaseError as err:
            raise RefkitError(f"cannot write the local catalog {self.path}: {err}") from None

    def import_path(self, path: Path | str, *, progress: Callable[[ImportProgress], None] | None = None,
                    workers: int | None = None, origin: str = "import") -> ImportReport:
        """Import a file, or every data file under a directory (the Crossref public data file:
        ~28,000 ``.jsonl.gz``/``.json.gz`` files of ``{"items": [...]}``; PubMed XML too).

        Worker processes read and prepare files; this process writes them in batches, each
        committed with the names of its files, so an import killed at any point resumes where
        it stopped and stores every record once. Memory: a few files in flight plus one batch."""
        path = Path(path)
        if not path.exists():
            raise RefkitError(f"no such file or directory: {path}")
        files = data_files(path)
        if path.is_dir() and not files:
            raise RefkitError(f"no data files ({', '.join(DATA_SUFFIXES)}) under {path}")
        report = ImportReport()
        with self._lock:
            done = {r[0]: (r[1], r[2])
                    for r in self._db.execute("SELECT path, size, mtime FROM imported_files")}
        todo: list[tuple[Path, os.stat_result]] = []
        for f in files:
            st = f.stat()
            if done.get(str(f.resolve())) == (st.st_size, st.st_mtime):
                report.skipped += 1
            else:
                todo.append((f, st))
        total_bytes = sum(st.st_size for _, st in todo)
        started = time.monotonic()
        bytes_done = 0
        try:
            with self._lock:
                self._db.execute("PRAGMA cache_size = -262144")  # 256 MB: the DOI index stays in memory
                page = self._db.execute("PRAGMA page_size").fetchone()[0]
                self._db.execute(f"PRAGMA wal_autocheckpoint = {IMPORT_WAL_BYTES // page}")
                writer = _Writer(self, self._origin_id(origin))
                self._db.commit()
                finished: list[tuple[str, int, float, int]] = []
                for (f, st), (_, prepared, problem) in zip(todo, _prepared(todo, workers),
                                                           strict=True):
                    bytes_done += st.st_size
                    report.files += 1
                    if problem:
                        report.failures.append(problem)
                        continue
                    before = writer.stored
                    if prepared is not None:
                        writer.write(prepared)
                    if writer.stored == before:
                        report.empty.append(str(f))
                    finished.append((str(f.resolve()), st.st_size, st.st_mtime, writer.stored - before))
                    if writer.pending >= FLUSH_POSTINGS:
                        self._commit_batch(writer, finished)
                        finished = []
                    if progress:
                        progress(ImportProgress(report.files + report.skipped, len(files), writer.stored,
                                                bytes_done, total_bytes, time.monotonic() - started))
                self._commit_batch(writer, finished)
                report.works = writer.stored
                self._db.execute("PRAGMA cache_size = -2000")
                # The WAL copied in and emptied (its disk returned); a reader holding an old
                # snapshot only makes this checkpoint partial, never wrong.
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.DatabaseError as err:
            raise RefkitError(f"cannot write the local catalog {self.path}: {err}") from None
        finally:
            with self._lock, contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's default again
        return report

    def _commit_batch(self, writer: _Writer, finished: list[tuple[str, int, float, int]]) -> None:
        writer.flush()
        self._db.executemany(
            "INSERT OR REPLACE INTO imported_files(path, size, mtime, works) VALUES (?, ?, ?, ?)", finished
        )
        self._db.commit()

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
                    # Postings of the removed works stay behind: a search skips ids without a row.
                    self._db.execute("DELETE FROM works WHERE origin = ?", (self._origin_id(key),))
                loaded += self.import_file(path, origin=key)
            with self._lock, self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO seed_files(path, mtime, size, sha256) VALUES (?, ?, ?, ?)",
                    (key, stat.st_mtime, stat.st_size, digest),
                )
        return loaded

    def stats(self) -> dict[str, Any]:
        """Where the catalog is, how many works it holds by origin, and what they cost on disk."""
        try:
            with self._lock:
                by_origin = self._db.execute(
                    "SELECT o.name, COUNT(*) FROM works w JOIN origins o ON o.id = w.origin GROUP BY o.name"
                ).fetchall()
                files = self._db.execute("SELECT count(*) FROM imported_files").fetchone()[0]
        except sqlite3.DatabaseError as err:
            raise RefkitError(f"the local catalog {self.path} cannot be read: {err}; "
                              f"{_DAMAGED_HINT}") from None
        counts = {origin: n for origin, n in by_origin}
        works = sum(counts.values())
        size = sum(p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + "-wal"))
                   if p.exists())
        return {"path": str(self.path), "works": works, "by_origin": counts, "bytes": size,
                "bytes_per_work": round(size / works) if works else None, "imported_files": files}

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _Writer:
    """Writes prepared works into an open transaction; postings wait in memory until ``flush``.

    The work is split so that the serial part stays small: workers group a file's postings by
    term and hash the terms (``PreparedBatch``), ``write`` inserts the rows with ``executemany``
    and keeps the batch's postings as arrays, and ``flush`` merges all batches' postings in numpy
    (one sort by term hash) and writes one row a distinct term, in term order."""

    def __init__(self, catalog: LocalCatalog, origin_id: int) -> None:
        self.catalog = catalog
        self.db = catalog._db
        self.origin_id = origin_id
        # Per written batch its postings as two arrays: each posting's term (hash) and work id.
        self.batches: list[tuple[Any, Any]] = []
        self.pending = 0
        self.stored = 0

    def _allocate(self, n: int) -> int:
        """The first of ``n`` fresh work ids, taken under the write lock.

        Another process (a second import, a resolve writing through) may have committed works
        since this one last looked: ids counted from an earlier read would be theirs, and
        ``INSERT OR IGNORE`` would then drop ours in silence. So the counter is read only once
        the transaction holds the write lock (its first statement writes), and never cached.
        Ids are never reused: postings of a removed work must not point at a newer one.
        """
        self.db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('next_id', 1)")
        high = self.db.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()[0]
        first = max(int(high), (self.db.execute("SELECT max(id) FROM works").fetchone()[0] or 0) + 1)
        self.db.execute("UPDATE meta SET value = ? WHERE key = 'next_id'", (first + n,))
        return first

    def write(self, batch: PreparedBatch) -> None:
        if len(batch):
            with no_cycle_collection():
                self._write(batch)

    def _write(self, batch: PreparedBatch) -> None:
        import numpy as np  # the writer's merge needs it (as searches do); the CLI's other paths not

        n = len(batch)
        first = self._allocate(n)
        before = self.db.total_changes
        self.db.executemany(
            "INSERT OR IGNORE INTO works(id, doi, pmid, pmcid, record, origin) VALUES (?, ?, ?, ?, ?, ?)",
            zip(range(first, first + n), batch.dois, batch.pmids, batch.pmcids, batch.records,
                itertools.repeat(self.origin_id, n), strict=True),
        )
        term_of = np.repeat(np.frombuffer(batch.terms, dtype=np.int64),
                            np.frombuffer(batch.counts, dtype=np.uint32))
        ids = np.frombuffer(batch.positions, dtype=np.uint32) + np.uint32(first)
        if self.db.total_changes - before != n:
            # Some were known under their DOI or PMID: merged into the held row one by one, and
            # their postings here dropped (their ids have no row).
            present = np.array([r[0] for r in self.db.execute(
                "SELECT id FROM works WHERE id BETWEEN ? AND ?", (first, first + n - 1))], dtype=np.uint32)
            for position in np.setdiff1d(np.arange(first, first + n, dtype=np.uint32), present) - first:
                i = int(position)
                self._merge(batch.dois[i], batch.pmids[i], batch.records[i])
            keep = np.isin(ids, present)
            term_of, ids = term_of[keep], ids[keep]
        self.batches.append((term_of, ids))
        self.pending += len(ids)
        self.stored += n

    def _merge(self, doi: str | None, pmid: str | None, record: str) -> None:
        zdict = self.catalog._zdict
        row = self.db.execute("SELECT id, record FROM works WHERE doi = ? OR pmid = ?",
                              (doi, pmid)).fetchone()
        held = decode_work(row[1], zdict)
        merged = decode_work(record, zdict).merge(held)  # the newer answer wins; the other adds identifiers
        again = prepare(merged)
        assert again is not None
        try:
            self.db.execute(
                "UPDATE works SET doi = ?, pmid = ?, pmcid = ?, record = ?, origin = ? WHERE id = ?",
                (*again[:4], self.origin_id, row[0]),
            )
        except sqlite3.IntegrityError:  # its other identifier belongs to another row: keep the held ones
            self.db.execute("UPDATE works SET record = ?, origin = ? WHERE id = ?",
                            (again[3], self.origin_id, row[0]))
        import numpy as np

        added = sorted(set(again[4]) - set(work_terms(held)))
        if added:
            held_id = np.full(len(added), row[0], dtype=np.uint32)
            self.batches.append((term_hashes(added), held_id))
            self.pending += len(added)

    def flush(self) -> None:
        if self.batches:
            with no_cycle_collection():
                self._flush()

    def _flush(self) -> None:
        import numpy as np

        # The postings are put in term order by one stable sort, which keeps each term's ids
        # ascending (batches came in id order).
        term_of = np.concatenate([t for t, _ in self.batches])
        order = np.argsort(term_of, kind="stable")
        ids = np.concatenate([i for _, i in self.batches])[order].astype("<u4")
        term_of = term_of[order]
        del order
        self.batches = []
        self.pending = 0
        if not len(term_of):
            return
        starts = np.flatnonzero(np.concatenate(([True], term_of[1:] != term_of[:-1])))
        ends = np.append(starts[1:], len(term_of))
        terms = term_of[starts]
        del term_of
        blob = ids.tobytes()  # little-endian whatever the machine (the dtype says so)
        row = self.db.execute("SELECT value FROM meta WHERE key = 'segments'").fetchone()
        seg = int(row[0]) if row else 0
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('segments', ?)", (seg + 1,))
        small = ends - starts <= SPARSE_IDS

        def segments(pick: Any) -> tuple[list[int], list[int], Iterator[bytes]]:
            first, last = starts[pick].tolist(), ends[pick].tolist()
            return (terms[pick].tolist(), [b - a for a, b in zip(first, last, strict=True)],
                    (blob[4 * a:4 * b] for a, b in zip(first, last, strict=True)))

        term_list, _, ranges = segments(small)
        self.db.executemany("INSERT INTO sparse(term, seg, ids) VALUES (?, ?, ?)",
                            zip(term_list, itertools.repeat(seg), ranges))
        term_list, df_of, ranges = segments(~small)
        self.db.executemany("INSERT INTO postings(term, seg, n, ids) VALUES (?, ?, ?, ?)",
                            zip(term_list, itertools.repeat(seg), df_of, ranges))
        self.db.executemany("INSERT INTO terms(term, df) VALUES (?, ?) "
                            "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                            zip(term_list, df_of, strict=True))


def exit_with_parent(parent: int, poll: float = 0.5) -> None:
    """In a worker process: end it when ``parent`` is gone (a worker initializer).

    A pool's workers hold both ends of its task queue, so an import killed with ``kill -9``
    never tells them to stop: without this they wait on the queue for ever (holding the
    terminal's or a pipe's stderr open, so whoever waits on the import waits too)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def data_files(path: Path) -> list[Path]:
    """The data files of an import: the file itself, or every data file under a directory."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES))


def _prepared(todo: list[tuple[Path, os.stat_result]],
              workers: int | None) -> Iterator[tuple[str, PreparedBatch | None, str | None]]:
    """``prepare_file`` for each file, in order: in worker processes when there are several
    files and cores (this process only writes), ``FILES_AHEAD`` files a worker ahead at most
    (bounded memory: ~2.5 MB a prepared file of 5,000 works)."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(todo) <= 1:
        for f, _ in todo:
            yield prepare_file(str(f))
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    # spawn, not fork: the resolver's threads (and SQLite's handles) must not be copied mid-use.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
        window: deque[Future[tuple[str, PreparedBatch | None, str | None]]] = deque()
        files = iter(todo)
        for f, _ in files:
            window.append(pool.submit(prepare_file, str(f)))
            if len(window) >= FILES_AHEAD * workers:
                break
        while window:
            result = window.popleft().result()
            for f, _ in files:
                window.append(pool.submit(prepare_file, str(f)))
                break
            yield result
