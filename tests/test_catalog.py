"""The local catalog: every import format, search and lookup, seeds re-indexed when they change."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from refkit.errors import RefkitError
from refkit.resolve.catalog import LocalCatalog
from refkit.resolve.catalog_index import query_terms
from refkit.settings import Settings

SAMPLES = Path(__file__).parent / "data" / "crossref-samples"


def work(n: int, title: str, family: str = "Quist", journal: str = "J Test Med") -> dict:
    return {
        "DOI": f"10.5555/catalog-test.{n}",
        "type": "journal-article",
        "title": [title],
        "author": [{"family": family, "given": "A", "sequence": "first"}],
        "container-title": [journal],
        "issued": {"date-parts": [[2001 + n]]},
        "volume": str(n),
        "page": f"{10 * n}-{10 * n + 5}",
    }


WORKS = [
    work(1, "Tacrolimus for refractory polymyositis"),
    work(2, "Azathioprine in dermatomyositis"),
    work(3, "Renal amyloidosis presenting as nephrotic syndrome", family="Öberg"),
]


@pytest.fixture
def catalog(tmp_path: Path) -> LocalCatalog:
    settings = Settings(cache_dir=tmp_path / "cache")
    cat = LocalCatalog(settings)
    yield cat
    cat.close()


def test_json_lines(catalog: LocalCatalog, tmp_path: Path) -> None:
    path = tmp_path / "works.jsonl"
    path.write_text("\n".join(json.dumps(w) for w in WORKS) + "\n\n", encoding="utf-8")
    assert catalog.import_file(path) == 3
    assert catalog.lookup(doi="10.5555/CATALOG-TEST.2")[0].title == "Azathioprine in dermatomyositis"
    assert catalog.stats()["works"] == 3


def test_api_envelopes_work_and_work_list(catalog: LocalCatalog) -> None:
    assert (
        catalog.import_file(SAMPLES / "work-single_10.1371-journal.pone.0033693_updated-by-correction.json")
        == 1
    )
    assert catalog.lookup(doi="10.1371/journal.pone.0033693")
    listed = json.loads((SAMPLES / "works-list_query-bibliographic_journals-2167-8359_fish.json").read_text())
    count = catalog.import_file(SAMPLES / "works-list_query-bibliographic_journals-2167-8359_fish.json")
    assert count == len(listed["message"]["items"]) > 0
    assert catalog.import_file(SAMPLES / "works-list_empty-result_total-results-0.json") == 0


def test_public_data_file_items_gzipped(catalog: LocalCatalog, tmp_path: Path) -> None:
    path = tmp_path / "0.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump({"items": WORKS}, fh)
    assert catalog.import_file(path) == 3
    gz_lines = tmp_path / "works.jsonl.gz"
    with gzip.open(gz_lines, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(w) for w in WORKS[:2]))
    assert catalog.import_file(gz_lines) == 2
    assert catalog.stats()["works"] == 3  # re-imported works replace, not duplicate


def test_search_ranks_the_cited_work_first(catalog: LocalCatalog) -> None:
    catalog.add_records(WORKS)
    found = catalog.search_text(
        "Oberg A. Renal amyloidosis presenting as nephrotic syndrome. J Test Med 2004;3:30-5"
    )
    assert found[0].doi == "10.5555/catalog-test.3"  # accents folded both ways
    assert catalog.search_text('"unbalanced (quote AND OR NOT * ^ near', rows=5) == []
    assert catalog.search_text("") == []


def test_query_terms_name_keys_and_skip_stopwords() -> None:
    terms = query_terms('Smith "J" (2001) AND/OR: The x* NEAR. Clin Rheum 12:345-9')
    assert "ay:smith:2001" in terms and "a:smith" in terms and "smith" in terms
    assert "vp:12:345" in terms  # volume and first page as a key
    assert not {"the", "and", "or", "a:the"} & set(terms)


def test_unreadable_file_is_one_line_error(catalog: LocalCatalog, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"DOI": "10.5555/x"}\n{not json\n', encoding="utf-8")
    with pytest.raises(RefkitError, match="line 2"):
        catalog.import_file(bad)
    with pytest.raises(RefkitError, match="no such file"):
        catalog.import_file(tmp_path / "missing.jsonl")


def test_companion_files_indexed_and_reindexed_when_changed(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    seed = seeds / "case.works.jsonl"
    seed.write_text(json.dumps(WORKS[0]) + "\n", encoding="utf-8")
    settings = Settings(cache_dir=tmp_path / "cache")
    first = LocalCatalog(settings)
    first.index_files([seed])
    assert first.lookup(doi=WORKS[0]["DOI"])
    first.close()
    seed.write_text(json.dumps(WORKS[1]) + "\n", encoding="utf-8")
    stat = seed.stat()
    os.utime(seed, (stat.st_atime, stat.st_mtime + 5))
    second = LocalCatalog(settings)
    second.index_files([seed])
    assert second.lookup(doi=WORKS[1]["DOI"])
    assert not second.lookup(doi=WORKS[0]["DOI"])  # the old version of the file is gone
    assert second.search_text("Tacrolimus refractory polymyositis") == []
    second.close()


def test_catalog_cli_import_and_stats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from refkit.cli import main

    monkeypatch.chdir(tmp_path)  # no seeds/ here
    path = tmp_path / "works.jsonl"
    path.write_text("\n".join(json.dumps(w) for w in WORKS), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["catalog", "import", str(path), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "3 works" in result.output
    result = runner.invoke(main, ["catalog", "stats", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0 and "3 works" in result.output
    result = runner.invoke(
        main, ["catalog", "import", str(tmp_path / "nope.json"), "--cache-dir", str(tmp_path)]
    )
    assert result.exit_code == 2 and "refkit: error: no such file" in result.output


def test_a_catalog_from_another_version_is_kept_aside_not_dropped(tmp_path: Path, capsys) -> None:
    import sqlite3

    old = tmp_path / "catalog.sqlite"
    db = sqlite3.connect(old)
    db.execute("CREATE TABLE works (doi TEXT, json TEXT)")
    db.execute("INSERT INTO works VALUES ('10.5555/old', '{}')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    catalog = LocalCatalog(path=old)
    assert catalog.add_records([WORKS[0]]) == 1 and catalog.lookup(doi=WORKS[0]["DOI"])
    catalog.close()
    (kept,) = tmp_path.glob("catalog.sqlite.old-*")
    assert sqlite3.connect(kept).execute("SELECT doi FROM works").fetchall() == [("10.5555/old",)]
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "kept as catalog.sqlite.old-" in err


def test_a_title_in_the_original_language_is_searchable(catalog: LocalCatalog) -> None:
    foreign = work(4, "Prise en charge diagnostique: à propos d'un cas")
    foreign["original-title"] = ["Cryoglobulinaemic vasculitis after hepatitis vaccination"]
    catalog.add_records([foreign, *WORKS])
    found = catalog.search_text(
        "Quist A. Cryoglobulinaemic vasculitis after hepatitis vaccination. 2005", rows=1
    )
    assert [w.doi for w in found] == ["10.5555/catalog-test.4"]
