"""Issue 11 on the seed, offline and with no flags: PMIDs from the PubMed XML beside the article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from refkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLD = json.loads((ROOT / "seeds" / "jkra-16-301.gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("pubmed-seed")
    mp = pytest.MonkeyPatch()
    mp.chdir(root)
    mp.setenv("REFKIT_CACHE_DIR", str(root / "cache"))
    result = CliRunner().invoke(
        main, ["resolve", "--offline", "-f", "json", str(ROOT / "seeds" / "jkra-16-301.txt")]
    )
    assert result.exit_code == 0, result.output
    yield root, json.loads(result.stdout)
    mp.undo()


def test_pmids_and_dois_as_the_gold_gives_them(resolved: tuple[Path, dict]) -> None:
    _, doc = resolved
    refs = {r["n"]: r for r in doc["references"]}
    for gold in GOLD["references"]:
        match = refs[gold["n"]]["match"]
        if gold.get("target_pmid"):
            assert match["pmid"] == gold["target_pmid"], gold["n"]
        else:
            assert match["pmid"] is None, gold["n"]  # nothing wrong
        if gold.get("target_doi"):
            assert match["doi"] == gold["target_doi"], gold["n"]
        else:
            assert match["doi"] is None, gold["n"]
    assert refs[10]["match"]["status"] == "matched" and refs[10]["match"]["doi"] is None  # PMID, no DOI
    assert refs[6]["match"]["ids"] == {"doi": "catalog", "pmid": "catalog"}


def test_query_azathioprine_shows_the_mesh_evidence(resolved: tuple[Path, dict]) -> None:
    result = CliRunner().invoke(main, ["query", "azathioprine", "-f", "json"])
    assert result.exit_code == 0, result.output
    bunch = next(s for s in json.loads(result.stdout)["supports"] if s["label"] == "Bunch 1980")
    mesh = [e for e in bunch["evidence"] if e["evidence"] == "mesh"]
    assert mesh and mesh[0]["detail"] == "indexed Azathioprine/therapeutic use*"
    assert bunch["pmid"] == "6986827"


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("bibtex", "eprint = {16541475}"),
        ("ris", "AN  - 16541475"),
        ("csljson", '"PMID": "16541475"'),
        ("text", "PMID: 16541475"),
    ],
)
def test_exports_carry_the_pmids(resolved: tuple[Path, dict], fmt: str, marker: str) -> None:
    root, _ = resolved
    result = CliRunner().invoke(main, ["export", str(root / "refs" / "jkra-16-301.json"), "-f", fmt])
    assert result.exit_code == 0, result.output
    assert marker in result.output
