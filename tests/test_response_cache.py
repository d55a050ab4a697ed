"""The persistent response cache: shared by processes, robust to kills and to foreign files."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time

from refkit.messages import capture
from refkit.resolve.response_cache import CachedResponse, ResponseCache


def _body(i: int) -> bytes:
    return (f'{{"n": {i}, "pad": "' + "x" * 20000 + '"}').encode()


def _write_forever(path: str, started) -> None:
    cache = ResponseCache(path)
    i = 0
    while True:
        cache.put(f"key-{i}", CachedResponse(200, "application/json", _body(i)))
        i += 1
        if i == 50:
            started.set()


def test_a_writer_killed_mid_write_leaves_a_readable_cache(tmp_path, capsys):
    path = tmp_path / "responses.sqlite"
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    writer = context.Process(target=_write_forever, args=(str(path), started))
    writer.start()
    try:
        assert started.wait(timeout=30)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
    cache = ResponseCache(path)
    assert capsys.readouterr().err == ""  # not treated as corrupt
    stored = len(cache)
    assert stored >= 50
    for i in range(stored):
        assert cache.get(f"key-{i}").body == _body(i)
    cache.put("after", CachedResponse(200, "text/plain", b"ok"))
    assert cache.get("after").body == b"ok"


def test_two_handles_see_each_others_writes(tmp_path):
    one, two = ResponseCache(tmp_path / "c.sqlite"), ResponseCache(tmp_path / "c.sqlite")
    one.put("k", CachedResponse(404, "text/plain", b"Resource not found."))
    assert two.get("k") == CachedResponse(404, "text/plain", b"Resource not found.")
    two.put("k", CachedResponse(200, "application/json", b"{}"))  # overwrite
    assert one.get("k").status == 200


def test_an_empty_file_is_adopted_without_warning(tmp_path, capsys):
    (tmp_path / "c.sqlite").touch()
    ResponseCache(tmp_path / "c.sqlite").put("k", CachedResponse(200, "x", b"1"))
    assert capsys.readouterr().err == ""
    assert list(tmp_path.iterdir()) != [] and not list(tmp_path.glob("*.corrupt-*"))


def test_a_future_layout_is_moved_aside(tmp_path, capsys):
    path = tmp_path / "c.sqlite"
    ResponseCache(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    cache = ResponseCache(path)
    assert "layout version 99" in capsys.readouterr().err
    assert len(cache) == 0
    (kept,) = [p for p in tmp_path.glob("c.sqlite.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    with sqlite3.connect(kept) as old:  # kept intact for whoever wants to look
        assert old.execute("PRAGMA user_version").fetchone()[0] == 99


def test_an_unusable_place_degrades_to_memory_with_one_warning(tmp_path, capsys):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    cache = ResponseCache(blocker / "c.sqlite")
    cache.put("k", CachedResponse(200, "application/json", b"{}"))
    assert cache.get("k").body == b"{}"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "kept for this run only" in err


def test_expired_entries_are_misses_but_stay_readable_as_stale(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite", expire_after=0.2)
    cache.put("k", CachedResponse(200, "application/json", b"{}"))
    assert cache.get("k").body == b"{}"
    time.sleep(0.25)
    assert cache.get("k") is None
    stale = cache.get("k", stale=True)
    assert stale.body == b"{}" and time.time() - stale.stored_at >= 0.2
    assert ResponseCache(tmp_path / "c.sqlite").get("k").body == b"{}"  # no expiry: kept for ever


def _damage_past_the_header(path) -> None:
    """Overwrite pages in the middle of the file: the header and the first page stay intact."""
    with open(path, "r+b") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(size // 2)
        handle.write(b"\xff" * 8192)


def test_a_file_damaged_past_its_header_is_found_at_open(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    for i in range(40):
        cache.put(f"key-{i}", CachedResponse(200, "application/json", _body(i)))
    cache.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _damage_past_the_header(path)
    with capture() as said:
        cache = ResponseCache(path)
    assert len(said) == 1 and said[0][0] == "warning"
    message = said[0][1]
    assert "unusable" in message and "malformed" in message and "kept as c.sqlite.corrupt-" in message
    assert "\n" not in message
    assert len(cache) == 0 and cache.get("key-1") is None  # a fresh one, not per-call errors
    assert len([p for p in tmp_path.glob("c.sqlite.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]) == 1
