"""Bad input on every command: one ``refkit: error:`` line on stderr, a non-zero exit, no traceback;
and whatever was already done (another file's outputs, a damaged graph.json) is not lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.crossref_server import CrossrefServer, Fault

from refkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = "seeds/jkra-16-301.txt"
SEED_STEM = "jkra-16-301"

# Each bad input, written only when a test asks for it (the 10 MB line is not written 40 times).
BAD_INPUTS = {
    "empty.txt": b"",
    "blank.txt": b"  \n\n\t\n",
    "binary.bin": bytes(range(256)) * 16,
    "norefs.txt": b"A case report.\n\nA 40-year-old man was given tacrolimus and improved.\n",
    "longline.txt": b"A" * (10 * 1024 * 1024) + b"\n",
    "latin1.txt": "Title\n\nReferences\n1. Smith J. A caf\u00e9 study. J Med. 2001;1:1.\n".encode("latin-1"),
    "broken.json": b'{"references": [',
    "adir": None,  # a directory given as FILE
    "missing.txt": None,  # never created
}
ARTICLE_COMMANDS = {
    "parse": ["parse"],
    "resolve": ["resolve", "--offline"],
    "export": ["export", "--offline"],
    "therapies": ["therapies"],
    "catalog import": ["catalog", "import"],
}
# A case report without references is fine for therapies (it reads abstracts too).
NOT_BAD_FOR = {("therapies", "norefs.txt")}


@pytest.fixture
def workspace(workspace: Path) -> Path:
    """The shared workspace, plus bad/ and a file where directories are expected."""
    (workspace / "bad").mkdir()
    (workspace / "afile").write_text("not a directory\n", encoding="utf-8")
    return workspace


def bad_file(name: str) -> str:
    path = Path("bad") / name
    content = BAD_INPUTS[name]
    if name == "adir":
        path.mkdir(exist_ok=True)
    elif content is not None:
        path.write_bytes(content)
    return str(path)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_one_line_error(result) -> str:
    """The contract: non-zero exit, exactly one stderr line 'refkit: error: …', no traceback."""
    lines = result.stderr.splitlines()
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.stderr + result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("refkit: error: "), result.stderr
    return lines[0]


def resolved_seed(workspace: Path) -> Path:
    result = invoke("resolve", "--offline", SEED)
    assert result.exit_code == 0, result.output
    return workspace / "refs"


# --- the table: every command x every bad input -----------------------------------------------


@pytest.mark.parametrize(
    ("command", "bad"),
    [
        (command, bad)
        for command in ARTICLE_COMMANDS
        for bad in BAD_INPUTS
        if (command, bad) not in NOT_BAD_FOR
    ],
)
def test_bad_input_is_one_line_error(workspace: Path, command: str, bad: str) -> None:
    path = bad_file(bad)
    line = assert_one_line_error(invoke(*ARTICLE_COMMANDS[command], path))
    assert path in line  # the message names the file


@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "--offline", "--out-dir", "afile", SEED],  # a file as the output directory
        ["resolve", "--offline", "--out-dir", "afile/sub", SEED],  # under a file: cannot be created
        ["resolve", "--offline", "--cache-dir", "afile/sub", SEED],
        ["export", "--offline", "-o", "bad", SEED],  # a directory as the output file
        ["export", "--offline", "-o", "afile/out.bib", SEED],
        ["catalog", "import", "--cache-dir", "afile", "seeds/jkra-16-301.works.jsonl"],
        ["catalog", "stats", "--cache-dir", "afile"],
        ["therapies", "--refs-dir", "afile", SEED],
        ["query", "tacrolimus", "--refs-dir", "afile"],
        ["graph", "--refs-dir", "afile"],
        ["graph", "-f", "dot", "-o", "afile/graph.dot"],
        ["query", "tacrolimus", "--refs-dir", "empty"],  # nothing resolved there
        ["graph", "--out-dir", "empty"],
        ["query", "  "],
        ["query", "no-such-therapy-at-all"],
    ],
    ids=lambda args: " ".join(args),
)
def test_bad_path_or_option_is_one_line_error(workspace: Path, args: list[str]) -> None:
    assert_one_line_error(invoke(*args))


def test_catalog_import_of_json_without_works_is_an_error(workspace: Path) -> None:
    Path("bad/noworks.json").write_text('{"items": [{"title": ["no DOI"]}]}', encoding="utf-8")
    line = assert_one_line_error(invoke("catalog", "import", "--cache-dir", "cache", "bad/noworks.json"))
    assert "no work records" in line


def test_damaged_catalog_is_one_line_error_and_left_in_place(workspace: Path) -> None:
    Path("cache").mkdir()
    junk = bytes(range(256)) * 20
    Path("cache/catalog.sqlite").write_bytes(junk)
    line = assert_one_line_error(invoke("catalog", "stats", "--cache-dir", "cache"))
    assert "cache/catalog.sqlite" in line
    assert_one_line_error(invoke("resolve", "--offline", SEED))
    assert Path("cache/catalog.sqlite").read_bytes() == junk


@pytest.mark.parametrize(
    "content", ['{"references": [', '{"references": [1, 2]}', '{"references": [{"n": 1, "authors": 5}]}']
)
def test_damaged_refs_json_is_one_line_error(workspace: Path, content: str) -> None:
    refs = resolved_seed(workspace)
    (refs / f"{SEED_STEM}.json").write_text(content, encoding="utf-8")
    assert_one_line_error(invoke("export", str(refs / f"{SEED_STEM}.json")))
    line = assert_one_line_error(invoke("therapies", SEED))  # reads refs/<stem>.json beside the article
    assert f"{SEED_STEM}.json" in line


# --- work already done is kept ----------------------------------------------------------------


@pytest.mark.parametrize("order", ["good-first", "bad-first"])
def test_resolve_writes_the_good_file_when_another_is_bad(workspace: Path, order: str) -> None:
    files = [SEED, bad_file("empty.txt")]
    if order == "bad-first":
        files.reverse()
    result = invoke("resolve", "--offline", *files)
    line = assert_one_line_error(result)
    assert "bad/empty.txt" in line
    doc = json.loads((workspace / "refs" / f"{SEED_STEM}.json").read_text(encoding="utf-8"))
    assert len(doc["references"]) == 13
    assert (workspace / "refs" / f"{SEED_STEM}.bib").read_text(encoding="utf-8").count("@") == 13
    assert SEED in result.stdout  # the good file's table is printed


def test_resolve_json_of_several_files_stays_a_list_when_one_fails(workspace: Path) -> None:
    result = invoke("resolve", "--offline", "-f", "json", SEED, bad_file("binary.bin"))
    assert_one_line_error(result)
    docs = json.loads(result.stdout)
    assert isinstance(docs, list) and len(docs) == 1


def test_catalog_import_keeps_the_good_file_when_another_is_bad(workspace: Path) -> None:
    works = "seeds/jkra-16-301.works.jsonl"
    count = sum(1 for line in Path(works).read_text(encoding="utf-8").splitlines() if line.strip())
    shutil.copy(works, "good.jsonl")
    result = invoke("catalog", "import", "--cache-dir", "cache", bad_file("broken.json"), "good.jsonl")
    assert_one_line_error(result)
    assert "good.jsonl" in result.stdout
    stats = invoke("catalog", "stats", "--cache-dir", "cache")
    assert stats.exit_code == 0
    imported = [line for line in stats.stdout.splitlines() if line.strip().endswith("import")]
    assert imported and int(imported[0].split()[0]) == count


@pytest.mark.parametrize("junk", [b"SQLite format 3\x00" + bytes(range(256)) * 8, bytes(range(256)) * 20])
@pytest.mark.parametrize("command", [["query", "tacrolimus"], ["graph", "-f", "dot", "-o", "-"]])
def test_damaged_evidence_store_is_set_aside_and_rebuilt(
    workspace: Path, junk: bytes, command: list[str]
) -> None:
    refs = resolved_seed(workspace)
    for extra in refs.glob("refkit.sqlite-*"):
        extra.unlink()
    (refs / "refkit.sqlite").write_bytes(junk)
    result = invoke(*command)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1 and "evidence store" in warnings[0] and "rebuilt" in warnings[0]
    kept = list(refs.glob("refkit.sqlite.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == junk
    assert "Oddis" in result.stdout or "tacrolimus" in result.stdout


def test_graph_json_is_an_export_rewritten_by_resolve(workspace: Path) -> None:
    refs = resolved_seed(workspace)
    (refs / "graph.json").write_text("{not json", encoding="utf-8")
    result = invoke("resolve", "--offline", "--refresh", SEED)
    assert result.exit_code == 0, result.output
    graph = json.loads((refs / "graph.json").read_text(encoding="utf-8"))
    assert any(node["id"] == f"article:{SEED_STEM}" for node in graph["nodes"])


def test_old_or_damaged_response_cache_is_set_aside(workspace: Path) -> None:
    Path("cache").mkdir()
    Path("cache/crossref.sqlite").write_bytes(bytes(range(256)) * 20)
    result = invoke("resolve", SEED)  # Crossref refuses: the cache is opened, the local catalog answers
    assert result.exit_code == 1, result.output  # what Crossref was not asked about is error
    assert "Traceback" not in result.stderr
    assert "response cache" in result.stderr
    assert list(Path("cache").glob("crossref.sqlite.corrupt-*"))
    assert (workspace / "refs" / f"{SEED_STEM}.json").is_file()


def test_broken_json_from_crossref_loses_no_reference(workspace: Path) -> None:
    """A server that answers with cut JSON: every reference still ends with a status, and the
    outputs are written; what the server broke is said on stderr, not as a traceback."""
    gold = json.loads(Path("seeds/jkra-16-301.gold.json").read_text(encoding="utf-8"))
    lines = [f"{ref['n']}. {ref['raw']}" for ref in gold["references"][:2]]
    Path("two.txt").write_text("A case report\n\nReferences\n" + "\n".join(lines) + "\n", encoding="utf-8")
    records = [
        json.loads(line)
        for line in Path("seeds/jkra-16-301.works.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    server = CrossrefServer(
        records, rate_limit=(1000, "1s"), faults=[Fault.bad_json() for _ in range(200)]
    ).start()
    try:
        result = invoke("resolve", "--api-url", server.url, "--cache-dir", "cache", "-f", "json", "two.txt")
    finally:
        server.stop()
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    doc = json.loads((workspace / "refs" / "two.json").read_text(encoding="utf-8"))
    assert doc["references"] and all(ref["match"]["status"] for ref in doc["references"])


def test_therapies_skips_a_10mb_line_but_reads_the_rest(workspace: Path) -> None:
    Path("mixed.txt").write_bytes(BAD_INPUTS["norefs.txt"] + b"x" * (10 * 1024 * 1024) + b"\n")
    result = invoke("therapies", "-f", "json", "mixed.txt")
    assert result.exit_code == 0, result.output
    assert "line 4 skipped" in result.stderr
    assert "tacrolimus" in [t["name"] for t in json.loads(result.stdout)["therapies"]]


# --- the real script, as a user runs it ---------------------------------------------------------


def refkit_script() -> list[str]:
    script = Path(sys.executable).with_name("refkit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "refkit.cli"]


@pytest.mark.parametrize(
    "args",
    [
        ["parse", "bad/binary.bin"],
        ["resolve", "--offline", "--out-dir", "afile/sub", SEED],
        ["export", "--offline", "bad"],
    ],
)
def test_real_script_one_line_error(workspace: Path, args: list[str]) -> None:
    bad_file("binary.bin")
    proc = subprocess.run([*refkit_script(), *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("refkit: error: "), proc.stderr


def test_real_script_resolve_keeps_the_good_file(workspace: Path) -> None:
    proc = subprocess.run(
        [*refkit_script(), "resolve", "--offline", SEED, "bad/missing.txt"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["refkit: error: bad/missing.txt: no such file (1 other file done)"]
    assert (workspace / "refs" / f"{SEED_STEM}.json").is_file()


def test_a_catalog_damaged_past_its_header_stops_resolve_before_any_output(workspace: Path) -> None:
    refs = resolved_seed(workspace)
    good = (refs / f"{SEED_STEM}.json").read_bytes()
    catalog = next(Path("cache").glob("catalog.sqlite")) if Path("cache").is_dir() else None
    if catalog is None:  # the workspace's catalog lives in the user cache: use an explicit one
        Path("cache").mkdir()
        assert (
            invoke("catalog", "import", "--cache-dir", "cache", "seeds/jkra-16-301.works.jsonl").exit_code
            == 0
        )
        catalog = Path("cache/catalog.sqlite")
    data = bytearray(catalog.read_bytes())
    data[4096:] = bytes(range(256)) * ((len(data) - 4096) // 256 + 1)  # header intact, pages garbled
    catalog.write_bytes(bytes(data[: len(catalog.read_bytes())]))
    for extra in Path("cache").glob("catalog.sqlite-*"):
        extra.unlink()
    line = assert_one_line_error(invoke("resolve", "--offline", "--refresh", "--cache-dir", "cache", SEED))
    assert "catalog" in line
    assert (refs / f"{SEED_STEM}.json").read_bytes() == good  # the earlier good output is kept
    assert_one_line_error(invoke("catalog", "stats", "--cache-dir", "cache"))
    assert_one_line_error(
        invoke("catalog", "import", "--cache-dir", "cache", "seeds/jkra-16-301.works.jsonl")
    )
