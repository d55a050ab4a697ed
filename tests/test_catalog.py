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


def _crossref_records() -> list[dict]:
    """Every Crossref record the tests hold: the corpus catalog and the real API samples."""
    corpus = Path(__file__).parent / "data" / "corpus" / "catalog.jsonl"
    records = [json.loads(line) for line in corpus.read_text("utf-8").splitlines()]
    for sample in SAMPLES.glob("*.json"):
        doc = json.loads(sample.read_text("utf-8"))
        message = doc.get("message") if isinstance(doc, dict) else None
        if isinstance(message, dict):
            records += message.get("items") or ([message] if message.get("DOI") else [])
    return records


def test_import_road_stores_and_indexes_what_the_work_road_does() -> None:
    # The import prepares Crossref records without building Works (prepare_record); the
    # write-through and PubMed go through Works (prepare). Both must give the same row and terms.
    from refkit.model import Work
    from refkit.resolve.catalog_index import decode_work, prepare, prepare_record
    from refkit.resolve.crossref_records import work_from_crossref

    records = _crossref_records()
    assert len(records) > 5000 and any(r.get("updated-by") or r.get("ISSN") for r in records)
    for record in records:
        fast, slow = prepare_record(record), prepare(work_from_crossref(record, origin="catalog"))
        assert fast is not None and slow is not None
        assert fast[:3] == slow[:3]
        assert decode_work(fast[3], b"") == decode_work(slow[3], b"") == Work.from_dict(
            work_from_crossref(record, origin="catalog").to_dict())
        assert sorted(fast[4]) == sorted(slow[4])


def test_a_reference_finds_its_record_by_the_terms_the_import_gave_it() -> None:
    # One term function on both sides: the title words, first author + year and volume + page
    # a corpus reference prints are terms its record was indexed under. Measured: 98.6% of the
    # title words, the ay: key of 89% of the records, the vp: key of 75% (a reference string
    # alone; the parsed fields add more in search()).
    from refkit.resolve.catalog_index import prepare_record

    by_doi = {r["DOI"].lower(): r for r in _crossref_records()}
    corpus = Path(__file__).parent / "data" / "corpus" / "refs.jsonl"
    records = words = vp = vp_found = ay = ay_found = 0
    for line in corpus.read_text("utf-8").splitlines():
        ref = json.loads(line)
        record = by_doi.get((ref.get("expect") or "").lower())
        if record is None:
            continue
        prepared = prepare_record(record)
        assert prepared is not None
        query = set(query_terms(ref["raw"]))
        title_words = [t for t in prepared[4] if ":" not in t]
        words += sum(t in query for t in title_words) / max(1, len(title_words))
        keys = {kind: [t for t in prepared[4] if t.startswith(kind)] for kind in ("vp:", "ay:")}
        vp, vp_found = vp + bool(keys["vp:"]), vp_found + any(t in query for t in keys["vp:"])
        ay, ay_found = ay + bool(keys["ay:"]), ay_found + any(t in query for t in keys["ay:"])
        records += 1
    assert records > 3000
    assert words / records >= 0.98
    assert ay_found / ay >= 0.88
    assert vp_found / vp >= 0.74


def test_records_deflated_by_the_previous_writer_still_read(tmp_path: Path) -> None:
    # Schema 4 catalogs written before records became JSON text hold them deflated with the
    # catalog's preset dictionary; both kinds read, side by side, with no migration.
    import zlib

    from refkit.resolve.catalog_index import dump_work
    from refkit.resolve.crossref_records import work_from_crossref

    catalog = LocalCatalog(path=tmp_path / "catalog.sqlite")
    catalog.add_records([work(1, "Text record of the new writer")])
    old = work_from_crossref(work(2, "Deflated record of the old writer"), origin="catalog")
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, catalog._zdict)
    blob = packer.compress(dump_work(old).encode("utf-8")) + packer.flush()
    catalog._db.execute("UPDATE works SET doi = ?, record = ? WHERE doi = ?",
                        (old.doi.lower(), blob, "10.5555/catalog-test.1"))
    catalog._db.commit()
    catalog.add_records([work(1, "Text record of the new writer")])
    assert [w.title for w in catalog.lookup(doi=old.doi)] == ["Deflated record of the old writer"]
    new = catalog.lookup(doi="10.5555/catalog-test.1")
    assert [w.title for w in new] == ["Text record of the new writer"]
    kinds = {type(r[0]) for r in catalog._db.execute("SELECT record FROM works")}
    assert kinds == {bytes, str}
    catalog.close()
    assert LocalCatalog(path=tmp_path / "catalog.sqlite").lookup(doi=old.doi)[0].volume == "2"
