"""Files refkit writes: atomic replacement, modes from the umask, damaged files set aside.

A reader (another refkit run, a user's editor) sees the old file or the new one, never half of
one; a file refkit cannot read is moved aside, never overwritten.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from refkit.errors import cannot_write

T = TypeVar("T")


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename), mode from the umask.

    Raises RefkitError naming the obstacle when the file cannot be written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise cannot_write(path, err) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _umask_mode())  # mkstemp makes 0600; outputs follow the user's umask
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise cannot_write(path, err) from None
        raise
    return path


def set_aside(path: str | Path, why: str = "corrupt") -> Path:
    """Move a damaged ``path`` to ``<name>.<why>-<time>`` beside it; return where it went.

    OSError when it cannot be moved (the caller must then refuse rather than overwrite it).
    """
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.{why}-{stamp}")
    n = 1
    while kept.exists():
        kept, n = path.with_name(f"{path.name}.{why}-{stamp}-{n}"), n + 1
    path.replace(kept)
    return kept


# SQLite's own verdicts that a file is bad. Anything else (locked, busy, read-only, disk full) is
# the situation's fault, not the file's: setting the file aside then would throw away the work of
# another process that holds it open.
_SQLITE_DAMAGED = frozenset({sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT})


def sqlite_damaged(err: BaseException) -> bool:
    """Whether a SQLite error says the file itself is damaged (not a database, malformed)."""
    code = getattr(err, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_DAMAGED  # extended codes keep the primary low


# SQLite's answers that another connection holds the file for now: wait, never set aside.
_SQLITE_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def sqlite_busy(err: BaseException) -> bool:
    """Whether a SQLite error says another connection holds the file for now (busy, locked)."""
    code = getattr(err, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_BUSY


def open_sqlite_waiting(open_once: Callable[[], T], timeout: float) -> T:
    """``open_once()``, tried again (with backoff, up to ``timeout`` seconds) while SQLite says busy.

    A connection's busy timeout does not cover its first steps: while another process creates
    the same file, switches it to WAL or recovers its WAL, SQLite can answer "database is locked"
    at once. ``open_once`` opens, sets up and checks a connection, closing it before it raises;
    any other error (damaged, read-only, disk full), and busy past the timeout, is raised.
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            return open_once()
        except sqlite3.OperationalError as err:
            if not sqlite_busy(err) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
