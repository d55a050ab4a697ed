"""A persistent store of HTTP responses, so a second run asks nothing and an interrupted run resumes.

One SQLite file in WAL mode: readers never block the writer, two processes can share it (each
waits on a busy lock rather than failing), and a process killed mid-write leaves the last
committed state intact. A file that is not ours (an older layout, a corrupt or foreign file,
one damaged past its header) is found at open, moved aside, kept for inspection, and replaced by a
fresh one with a one-line warning; damage found later in the run is treated the same way, once.

Entries older than ``expire_after`` seconds are misses for :meth:`ResponseCache.get`, but
stay readable with ``stale=True``: an old answer is better than none offline or when the source
cannot be asked.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from refkit.fileio import set_aside, sqlite_damaged
from refkit.messages import warn

SCHEMA_VERSION = 1
_APPLICATION_ID = 0x52464B43  # "RFKC": marks the file as a refkit response cache
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    stored_at REAL NOT NULL
)
"""
_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class CachedResponse:
    status: int
    content_type: str
    body: bytes
    stored_at: float = field(default=0.0, compare=False)  # time.time() when stored; 0: unknown


class ResponseCache:
    """Responses by key (the caller normalises URLs into keys). Thread-safe.

    ``expire_after``: seconds an entry stays fresh (None: forever).
    """

    def __init__(self, path: Path | str, *, expire_after: float | None = None) -> None:
        self.path = Path(path)
        self.expire_after = expire_after
        self._lock = threading.Lock()
        self._warned = False
        self._replaced = False
        self._conn = self._open_or_replace()

    def _open_or_replace(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self._open(self.path)
        except _ForeignFile as err:
            reason = str(err)
        except sqlite3.DatabaseError as err:
            if not sqlite_damaged(err):
                return self._in_memory(err)  # cannot open or write there: not the file's fault
            reason = str(err)
        except OSError as err:
            return self._in_memory(err)
        try:
            kept = self._move_aside()
            conn = self._open(self.path)
        except (OSError, sqlite3.DatabaseError, _ForeignFile) as err:
            return self._in_memory(err)
        warn(f"response cache {self.path} unusable ({reason}); {kept}, starting a fresh one")
        return conn

    def _in_memory(self, err: Exception) -> sqlite3.Connection:
        """No usable file: remember answers for this run only, and say so once."""
        self._warn_once(f"{err}; answers are kept for this run only")
        return self._open(":memory:")

    def _open(self, path: Path | str) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at checkpoints, never corrupt
            # Check and create the layout under the write lock, so two processes starting together
            # do not both decide the file is theirs to initialise.
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._claim(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _claim(conn: sqlite3.Connection) -> None:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if app_id == 0 and version == 0 and not tables:  # a new, empty file
            conn.execute(_SCHEMA)
            conn.execute(f"PRAGMA application_id={_APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            return
        if app_id != _APPLICATION_ID:
            raise _ForeignFile("not a refkit response cache")
        if version != SCHEMA_VERSION:
            raise _ForeignFile(f"layout version {version}, expected {SCHEMA_VERSION}")
        conn.execute("SELECT key, status, content_type, body, stored_at FROM responses LIMIT 1").fetchall()
        # A file damaged past its header opens and answers the first page; a quick check reads
        # every page once (milliseconds per MB) so the damage shows now, not as per-call errors.
        verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if verdict != "ok":
            detail = " ".join(str(verdict).replace("*** in database main ***", "").split())
            raise _ForeignFile(f"database disk image is malformed: {detail}")

    def _move_aside(self) -> str:
        """Set the file aside (its -wal/-shm beside it under the same name); where it went, to say."""
        try:
            kept = set_aside(self.path)
        except FileNotFoundError:  # another process starting at the same time moved it first
            return "by another refkit process"
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                self.path.with_name(self.path.name + suffix).replace(kept.with_name(kept.name + suffix))
        return f"kept as {kept.name}"

    def get(self, key: str, *, stale: bool = False) -> CachedResponse | None:
        """The stored response, or None when there is none or it expired (``stale``: expired ones too).

        A file that turns out unreadable is a miss, not a crash: said once, and set aside when damaged.
        """
        try:
            with self._lock:
                row = self._conn.execute(
                    "SELECT status, content_type, body, stored_at FROM responses WHERE key = ?",
                    (key,)).fetchone()
        except sqlite3.DatabaseError as err:
            self._damaged(err)
            return None
        if row is None:
            return None
        if not stale and self.expire_after is not None and row[3] < time.time() - self.expire_after:
            return None
        return CachedResponse(status=row[0], content_type=row[1], body=bytes(row[2]), stored_at=row[3])

    def put(self, key: str, response: CachedResponse) -> None:
        """Store (or overwrite) one response; a failure to write is warned about once, never raised."""
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT OR REPLACE INTO responses (key, status, content_type, body, stored_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (key, response.status, response.content_type, response.body, time.time()))
        except sqlite3.DatabaseError as err:
            self._damaged(err)

    def _damaged(self, err: sqlite3.DatabaseError) -> None:
        """Damage found mid-run: set the file aside and go on with a fresh one (once); any other
        failure (disk full, locked too long) is said once and the run goes on without storing."""
        if sqlite_damaged(err) and not self._replaced:
            self._replaced = True
            with self._lock:
                self._conn.close()
                try:
                    kept = self._move_aside()
                    self._conn = self._open(self.path)
                except (OSError, sqlite3.DatabaseError, _ForeignFile) as again:
                    self._conn = self._open(":memory:")
                    self._warn_once(f"damaged ({err}) and cannot be replaced ({again}); "
                                    "answers are kept for this run only")
                    return
            warn(f"response cache {self.path} damaged ({err}); {kept}, starting a fresh one")
            return
        self._warn_once(err)

    def __len__(self) -> int:
        with self._lock:
            count: int = self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        return count

    def _warn_once(self, problem: Exception | str) -> None:
        if not self._warned:
            self._warned = True
            if isinstance(problem, Exception):
                problem = f"{problem}; continuing without it"
            warn(f"response cache {self.path}: {problem}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class _ForeignFile(Exception):
    """The file opens as SQLite, but is not (this version of) ours, or is damaged inside."""
