"""Two refkit processes on one catalog / vocabulary cache at once (simulated in one process)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from refkit.resolve.catalog import LocalCatalog, _Writer
from refkit.resolve.catalog_index import group, prepare
from refkit.resolve.crossref_records import work_from_crossref
from refkit.therapies import vocabulary_cache


def _works(prefix: str, n: int) -> list:
    return [work_from_crossref({"DOI": f"10.1000/{prefix}{i}", "title": [f"{prefix} study number {i}"],
                                "issued": {"date-parts": [[2001]]}}) for i in range(n)]


def test_works_another_process_stored_meanwhile_are_not_overwritten(tmp_path: Path) -> None:
    first, second = LocalCatalog(path=tmp_path / "c.sqlite"), LocalCatalog(path=tmp_path / "c.sqlite")
    with first._lock, first._db:
        writer = _Writer(first, first._origin_id("a"))  # an import under way, between two batches
        first._db.commit()
        second.add(_works("b", 5), origin="b")  # the other process commits meanwhile
        writer.write(group([p for w in _works("a", 5) if (p := prepare(w)) is not None]))
        writer.flush()
    assert first.stats()["works"] == 10
    assert {w.doi for w in first.search_text("study number", rows=20)} >= {"10.1000/a1", "10.1000/b1"}


def test_temporary_files_of_killed_builds_are_removed(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFKIT_VOCAB_CACHE", str(tmp_path))
    folder = tmp_path / "refkit"
    folder.mkdir()
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    orphan = folder / f".t-0123456789abcdef.sqlite.{dead}.tmp"
    running = folder / f".t-0123456789abcdef.sqlite.{os.getppid()}.tmp"
    orphan.write_bytes(b"half a table")
    running.write_bytes(b"a build under way")
    table = vocabulary_cache.cached_table("t", "0123456789abcdef", lambda: {"a": "b"})
    assert table["a"] == "b"
    assert not orphan.exists()
    assert running.exists()
