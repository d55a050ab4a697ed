"""`refkit query` and `refkit graph` on a workspace where the seed was resolved (offline)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from refkit.cli import main

ROOT = Path(__file__).parent.parent


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def workspace(workspace):
    result = run("resolve", "--offline", "seeds/jkra-16-301.txt")
    assert result.exit_code == 0, result.output
    return workspace


def test_query_tacrolimus_after_resolving_the_seed(workspace):
    result = run("query", "tacrolimus")
    assert result.exit_code == 0, result.output
    assert result.output.index("Oddis 1999") < result.output.index("Takada 2005")
    assert (workspace / "refs" / "graph.json").exists()  # exported for other tools
    data = json.loads(run("query", "tacrolimus", "--format", "json").output)
    assert [s["best_evidence"] for s in data["supports"]] == ["direct", "class"]
    assert data["supports"][0]["cited_by"] == [{"article": "jkra-16-301", "n": 12}]
    assert data["ids"]["mesh"] == "D016559"


@pytest.mark.parametrize("alias", ["FK506", "Prograf"])
def test_query_synonym_same_answer(workspace, alias):
    tac = json.loads(run("query", "tacrolimus", "-f", "json").output)
    other = json.loads(run("query", alias, "-f", "json").output)
    assert other["therapy"] == "tacrolimus" and other["supports"] == tac["supports"]


def test_query_ivig_abbreviation(workspace):
    data = json.loads(run("query", "IVIG", "-f", "json").output)
    assert data["therapy"] == "intravenous immune globulin"
    assert [s["doi"] for s in data["supports"]] == ["10.1002/art.10053"]


def test_unknown_therapy_is_a_clear_error(workspace):
    result = run("query", "tacrolimsu")
    assert result.exit_code == 2
    assert "no therapy 'tacrolimsu'" in result.output and "tacrolimus" in result.output
    assert "Traceback" not in result.output


def test_bibtex_exports_just_the_sources(workspace):
    result = run("query", "tacrolimus", "--format", "bibtex")
    assert result.exit_code == 0, result.output
    assert result.output.count("@") == 2
    assert "10.1080/08916930500124023" in result.output and "Oddis" in result.output
    assert "Dalakas" not in result.output


def test_graph_png_and_graphml(workspace):
    result = run("graph", "--format", "png", "-o", "g.png")
    assert result.exit_code == 0, result.output
    assert (workspace / "g.png").read_bytes().startswith(b"\x89PNG")
    assert run("graph", "-f", "graphml").exit_code == 0
    graph = nx.read_graphml(workspace / "refs" / "graph.graphml")
    assert "therapy:tacrolimus" in graph


def test_graph_dot_to_stdout(workspace):
    result = run("graph", "-f", "dot", "-o", "-")
    assert result.exit_code == 0 and result.output.startswith("digraph")


def test_empty_workspace_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("query", "tacrolimus")
    assert (
        result.exit_code == 2 and "no evidence graph" in result.output and "refkit resolve" in result.output
    )
