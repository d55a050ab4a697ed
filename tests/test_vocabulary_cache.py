"""The vocabulary cache: built once, read back, rebuilt when corrupt or stale, optional when unwritable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from refkit.therapies import vocabulary_cache
from refkit.therapies.vocabulary_cache import cache_dir, cached_pickle, cached_table, vocabulary_stamp

ROOT = Path(__file__).parent.parent


@pytest.fixture
def cache_env(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("REFKIT_VOCAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "refkit"


@pytest.fixture
def unwritable_cache(tmp_path, monkeypatch) -> Path:
    # A regular file where the directory should be: mkdir fails even for root (chmod would not).
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("REFKIT_VOCAB_CACHE", str(blocker / "cache"))
    return blocker / "cache" / "refkit"


class Builder:
    """Counts how often the (expensive) index had to be built."""

    def __init__(self, data):
        self.data, self.calls = data, 0

    def __call__(self):
        self.calls += 1
        return self.data


def test_cache_dir_follows_the_env_var(cache_env):
    assert cache_dir() == cache_env


def test_pickle_is_built_once_then_read(cache_env):
    build = Builder({"index": {"fk506": "tacrolimus"}, "fuzzy": [("abc", "abc")]})
    assert cached_pickle("idx", "s1", build) == build.data
    assert cached_pickle("idx", "s1", Builder(None)) == build.data  # read back, not built
    assert build.calls == 1
    assert [p.name for p in cache_env.iterdir()] == ["idx-s1.pkl"]  # no temporary left behind


@pytest.mark.parametrize("garbage", [b"", b"not a pickle at all", b"\x80\x05\x95garbage"])
def test_corrupt_pickle_is_rebuilt_silently(cache_env, garbage, capsys):
    cache_env.mkdir(parents=True)
    (cache_env / "idx-s1.pkl").write_bytes(garbage)
    build = Builder({"a": "b"})
    assert cached_pickle("idx", "s1", build) == {"a": "b"}
    assert build.calls == 1
    assert cached_pickle("idx", "s1", Builder(None)) == {"a": "b"}  # the rebuilt file is good
    assert capsys.readouterr().err == ""


def test_other_stamps_are_removed_but_the_two_last_used(cache_env):
    stamps = {label: label * 16 for label in "abcd"}
    for label in "abc":
        cached_pickle("idx", stamps[label], Builder({label: label}))
    for seconds, label in enumerate("abc", start=1):  # used in that order, long ago
        os.utime(cache_env / f"idx-{stamps[label]}.pkl", (seconds * 1000, seconds * 1000))
    assert cached_pickle("idx", stamps["a"], Builder(None)) == {"a": "a"}  # reading marks it used
    assert cached_pickle("idx", stamps["d"], Builder({"d": "d"})) == {"d": "d"}
    assert sorted(p.name for p in cache_env.iterdir()) == [f"idx-{stamps[x]}.pkl" for x in "acd"]


def test_pickle_renamed_from_another_stamp_is_not_trusted(cache_env):
    cached_pickle("idx", "s1", Builder({"old": "1"}))
    (cache_env / "idx-s1.pkl").rename(cache_env / "idx-s2.pkl")
    assert cached_pickle("idx", "s2", Builder({"new": "2"})) == {"new": "2"}


def test_pickle_works_when_the_cache_is_unwritable(unwritable_cache):
    build = Builder({"a": "b"})
    assert cached_pickle("idx", "s1", build) == {"a": "b"}
    assert cached_pickle("idx", "s1", build) == {"a": "b"}
    assert build.calls == 2  # slower, still right
    assert not unwritable_cache.exists()


def test_table_is_a_mapping_read_from_sqlite(cache_env):
    build = Builder({"methyldopa": "METHYLDOPA", "tacrolimus": "TACROLIMUS"})
    cached_table("names", "s1", build)
    table = cached_table("names", "s1", Builder(None))
    assert build.calls == 1
    assert not isinstance(table, dict)
    assert table["tacrolimus"] == "TACROLIMUS"
    assert table.get("nothing") is None and "nothing" not in table
    assert "methyldopa" in table and len(table) == 2
    assert dict(table.items()) == build.data


@pytest.mark.parametrize("garbage", [b"", b"SQLite format 3\x00" + b"\x00" * 200, b"plain text, no database"])
def test_corrupt_table_is_rebuilt_silently(cache_env, garbage, capsys):
    cache_env.mkdir(parents=True)
    (cache_env / "names-s1.sqlite").write_bytes(garbage)
    build = Builder({"k": "v"})
    assert dict(cached_table("names", "s1", build)) == {"k": "v"}
    assert build.calls == 1
    assert dict(cached_table("names", "s1", Builder(None))) == {"k": "v"}
    assert capsys.readouterr().err == ""


def test_table_of_another_stamp_is_rebuilt_and_old_ones_removed(cache_env):
    stamps = [label * 16 for label in "abcd"]
    for stamp in stamps:
        assert cached_table("names", stamp, Builder({"k": stamp}))["k"] == stamp
    names = sorted(p.name for p in cache_env.iterdir())
    assert len(names) == 3 and f"names-{stamps[-1]}.sqlite" in names


def test_table_works_when_the_cache_is_unwritable(unwritable_cache):
    table = cached_table("names", "s1", Builder({"k": "v"}))
    assert table == {"k": "v"}
    assert not unwritable_cache.exists()


def test_interrupted_build_leaves_no_temporary_file(cache_env, monkeypatch):
    def interrupted(tmp, stamp, data):
        tmp.write_bytes(b"half a table")
        raise KeyboardInterrupt

    monkeypatch.setattr(vocabulary_cache, "_write_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cached_table("names", "s1", Builder({"k": "v"}))
    assert list(cache_env.iterdir()) == []


def test_stamp_changes_with_the_curated_data(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "curated.json").write_text('{"drugs": {}}', encoding="utf-8")
    monkeypatch.setattr(vocabulary_cache, "DATA", data)
    before = vocabulary_stamp()
    assert vocabulary_stamp() == before
    (data / "curated.json").write_text('{"drugs": {"x": {}}}', encoding="utf-8")
    assert vocabulary_stamp() != before


# --- end to end: the real vocabulary through the CLI, in a fresh process ------------------------


def _therapies_json(text_path: Path, cache: Path | None) -> subprocess.CompletedProcess:
    """``refkit therapies`` in a new process (the vocabulary is cached per process); ``cache``
    None: the user's own cache, warm in a development checkout."""
    env = dict(os.environ) if cache is None else {**os.environ, "REFKIT_VOCAB_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "refkit.cli", "therapies", str(text_path), "-f", "json",
                           "--refs-dir", str(text_path.parent / "refs")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def abstract(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("abstract") / "abstract.txt"
    # adriamycinol is only in the UNII table: the sqlite layer is read too
    path.write_text("Tacrolimus (FK506) and sodium nitroprusside were given; later methyl-dopa, "
                    "hydroxychloroquine, and adriamycinol was measured.", encoding="utf-8")
    return path


def test_cli_same_answer_with_corrupt_and_with_unwritable_cache(abstract, tmp_path):
    stamp = vocabulary_stamp()
    good = _therapies_json(abstract, None)
    assert good.returncode == 0, good.stderr
    names = {t["name"] for t in json.loads(good.stdout)["therapies"]}
    assert {"tacrolimus", "nitroprusside", "methyldopa", "hydroxychloroquine", "doxorubicinol"} <= names

    corrupt = tmp_path / "corrupt" / "refkit"
    corrupt.mkdir(parents=True)
    for name in (f"drug-ner-index-{stamp}.pkl", f"mesh-ids-{stamp}.pkl", f"unii-names-{stamp}.sqlite"):
        (corrupt / name).write_bytes(b"\x00garbage")
    rebuilt = _therapies_json(abstract, corrupt.parent)
    assert (rebuilt.returncode, rebuilt.stdout, rebuilt.stderr) == (0, good.stdout, good.stderr)
    assert "Traceback" not in rebuilt.stderr

    (tmp_path / "blocker").write_text("", encoding="utf-8")
    unwritable = _therapies_json(abstract, tmp_path / "blocker" / "cache")
    assert (unwritable.returncode, unwritable.stdout, unwritable.stderr) == (0, good.stdout, good.stderr)
