"""The workspace runs the pipeline: outputs, the evidence store, reruns, names, two runs at once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from refkit.cli import main
from refkit.graph import GraphStore
from refkit.settings import Settings
from refkit.workspace import Workspace, expand_inputs, output_stem

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "corpus"
SEED = ROOT / "seeds" / "jkra-16-301.txt"


def refkit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "refkit.cli", *args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def corpus_workspace(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """40 corpus pages as case reports, and a cache whose catalog holds the corpus records."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pages = sorted(CORPUS.glob("pages/*.txt"))
    for i, page in enumerate(pages):
        shutil.copy(page, tmp_path / ("a" if i < 20 else "b") / f"case-{page.stem}.txt")
    env = dict(os.environ, REFKIT_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "refkit.cli", "catalog", "import", str(CORPUS / "catalog.jsonl")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return tmp_path, env


def test_two_runs_at_once_lose_no_article(corpus_workspace: tuple[Path, dict[str, str]]) -> None:
    root, env = corpus_workspace
    runs = [refkit("resolve", "--offline", "-f", "jsonl", folder, cwd=root, env=env) for folder in ("a", "b")]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert len(out.splitlines()) == 20
    store = GraphStore(root / "refs")
    assert len(store.articles()) == 40
    graph = json.loads((root / "refs" / "graph.json").read_text(encoding="utf-8"))
    articles = {n["id"] for n in graph["nodes"] if n["kind"] == "article"}
    assert len(articles) == 40  # the export written last holds both runs
    for path in (root / "refs").glob("case-*.json"):
        json.loads(path.read_text(encoding="utf-8"))  # every output whole


def test_a_rerun_skips_current_articles_and_refresh_redoes_them(tmp_path: Path) -> None:
    settings = Settings(offline=True, cache_dir=tmp_path / "cache", refs_dir=tmp_path / "refs")
    with Workspace(settings) as workspace:
        first = workspace.resolve_files([str(SEED)])
    assert first.outcomes[0].ok and not first.outcomes[0].skipped
    with Workspace(settings) as workspace:
        again = workspace.resolve_files([str(SEED)])
        assert again.outcomes[0].skipped and again.outcomes[0].document == first.outcomes[0].document
        redone = workspace.resolve_files([str(SEED)], refresh=True)
    assert not redone.outcomes[0].skipped
    other = Settings(offline=True, cache_dir=tmp_path / "cache", refs_dir=tmp_path / "refs")
    with Workspace(other, min_confidence=0.9) as workspace:  # other settings: not current
        assert not workspace.resolve_files([str(SEED)]).outcomes[0].skipped


def test_stdin_gets_a_real_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REFKIT_CACHE_DIR", str(tmp_path / "cache"))
    text = SEED.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["resolve", "--offline", "-f", "json", "-"], input=text)
    assert result.exit_code == 0, result.output
    stem = output_stem("-", None, None)
    assert stem == "stdin"
    written = sorted(p.name for p in (tmp_path / "refs").glob("*.json") if p.name != "graph.json")
    assert written == ["a-case-of-resistant-polymyositis-that-was-successfully-treated-with-tacrolimus.json"]
    named = CliRunner().invoke(main, ["resolve", "--offline", "--name", "Ahn 2009", "-"], input=text)
    assert named.exit_code == 0 and (tmp_path / "refs" / "ahn-2009.json").is_file()


def test_resolve_from_another_folder_finds_the_articles_own_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ./seeds, no ./cache: the records beside the article are indexed, the user cache holds them."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REFKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    result = CliRunner().invoke(main, ["resolve", "--offline", "-f", "json", str(SEED)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert sum(r["match"]["status"] == "matched" for r in doc["references"]) == 8  # 6 DOIs; 5 and 10 by PMID
    assert (tmp_path / "xdg" / "refkit" / "catalog.sqlite").is_file()


def test_folders_and_globs_expand_to_articles(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for name in ("x.txt", "y.xml", "x.works.jsonl", "notes.csv"):
        (tmp_path / "d" / name).write_text("", encoding="utf-8")
    assert [Path(p).name for p in expand_inputs([str(tmp_path / "d")])] == ["x.txt", "y.xml"]
    assert [Path(p).name for p in expand_inputs([str(tmp_path / "d" / "*.txt")])] == ["x.txt"]
    from refkit.errors import RefkitError

    with pytest.raises(RefkitError, match="no file matches"):
        expand_inputs([str(tmp_path / "d" / "*.pdf")])


def test_a_huge_line_is_said_once_and_costs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REFKIT_CACHE_DIR", str(tmp_path / "cache"))
    text = SEED.read_text(encoding="utf-8")
    cut = text.index("References")
    (tmp_path / "long.txt").write_text(text[:cut] + "x" * 1_100_000 + "\n" + text[cut:], encoding="utf-8")
    result = CliRunner().invoke(main, ["resolve", "--offline", "long.txt"])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if "1,100,000 characters" in line] == [
        "refkit: warning: long.txt: line 9 skipped: 1,100,000 characters long"
    ]


def test_outputs_follow_the_umask(tmp_path: Path) -> None:
    settings = Settings(offline=True, cache_dir=tmp_path / "cache", refs_dir=tmp_path / "refs")
    old = os.umask(0o022)
    try:
        with Workspace(settings) as workspace:
            workspace.resolve_files([str(SEED)])
    finally:
        os.umask(old)
    for name in ("jkra-16-301.json", "jkra-16-301.bib", "graph.json"):
        assert (tmp_path / "refs" / name).stat().st_mode & 0o777 == 0o644, name


def test_two_case_reports_citing_one_unresolved_paper_share_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REFKIT_CACHE_DIR", str(tmp_path / "cache"))
    second = ROOT / "tests" / "data" / "articles" / "second-case.txt"
    result = CliRunner().invoke(main, ["resolve", "--offline", str(SEED), str(second)])
    assert result.exit_code == 0, result.output
    query = CliRunner().invoke(main, ["query", "tacrolimus", "-f", "json"])
    assert query.exit_code == 0, query.output
    supports = json.loads(query.stdout)["supports"]
    oddis = [s for s in supports if s["label"] == "Oddis 1999"]
    assert len(oddis) == 1, [s["label"] for s in supports]
    assert oddis[0]["cited_by"] == [{"article": "jkra-16-301", "n": 12}, {"article": "second-case", "n": 1}]
    assert not oddis[0]["verified"]


def test_an_empty_catalog_is_said_once_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REFKIT_CACHE_DIR", str(tmp_path / "cache"))
    article = tmp_path / "a.txt"
    article.write_text(
        "Case\n\nReferences\n1. Smith J. A made-up paper. J Imag Med. 2001;12:100-9.\n"
        "2. Doe A. Another one. J Imag Med. 2002;13:1-9.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["resolve", "--offline", "a.txt"])
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if "is empty" in line]
    assert len(said) == 1 and "refkit catalog import" in said[0]
