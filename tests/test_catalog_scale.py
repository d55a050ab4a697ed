"""The catalog at scale, in small: directory imports (resumable after kill -9, in worker
processes), PubMed XML through the same path, older catalogs carried over, damage found at open,
bounded retrieval by rare terms and keys."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import types
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest

from refkit.errors import RefkitError
from refkit.model import Author, Work
from refkit.resolve import catalog as catalog_module
from refkit.resolve.catalog import LocalCatalog

ROOT = Path(__file__).resolve().parents[1]


def record(n: int, title: str | None = None, family: str = "Quist") -> dict:
    return {
        "DOI": f"10.5555/scale.{n}",
        "type": "journal-article",
        "title": [title or f"Study number {n} of renal amyloidosis"],
        "author": [{"family": family, "given": "A", "sequence": "first"}],
        "container-title": ["J Test Med"],
        "issued": {"date-parts": [[1990 + n % 30]]},
        "volume": str(n % 97 + 1),
        "page": f"{n}-{n + 5}",
    }


def data_dir(tmp_path: Path, files: int, per_file: int) -> Path:
    """A folder shaped like the Crossref public data file: gzipped ``{"items": [...]}`` files."""
    folder = tmp_path / "public-data"
    folder.mkdir()
    for f in range(files):
        items = [record(f * per_file + i) for i in range(per_file)]
        with gzip.open(folder / f"{f:04d}.json.gz", "wt", encoding="utf-8") as fh:
            json.dump({"items": items}, fh)
    return folder


def postings_are_unique(path: Path) -> bool:
    """No work id listed twice under one term: every record was indexed exactly once."""
    db = sqlite3.connect(path)
    by_term: dict[str, array] = {}
    for term, blob in db.execute("SELECT term, ids FROM postings"):
        by_term.setdefault(term, array("I")).frombytes(blob)
    db.close()
    return all(len(set(ids)) == len(ids) for ids in by_term.values())


def test_a_directory_imports_in_workers_and_a_second_run_skips_it(tmp_path: Path) -> None:
    folder = data_dir(tmp_path, files=4, per_file=50)
    seen = []
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    report = catalog.import_path(folder, progress=seen.append, workers=2)
    assert (report.works, report.files, report.skipped, report.failures) == (200, 4, 0, [])
    assert [p.files_done for p in seen] == [1, 2, 3, 4] and seen[-1].bytes_done == seen[-1].bytes_total
    assert seen[-1].rate > 0 and seen[-1].eta == 0
    again = catalog.import_path(folder)
    assert (again.works, again.files, again.skipped) == (0, 0, 4)
    assert catalog.stats()["works"] == 200 and catalog.stats()["imported_files"] == 4
    assert catalog.lookup(doi="10.5555/SCALE.123")[0].title == "Study number 123 of renal amyloidosis"
    catalog.close()


def test_an_import_defers_wal_checkpoints_and_leaves_the_wal_empty(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # During the import SQLite checkpoints only past IMPORT_WAL_BYTES; at its end the WAL is
    # copied in and truncated, and the connection is back to SQLite's default of 1,000 pages.
    folder = data_dir(tmp_path, files=3, per_file=40)
    seen: list[int] = []
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    write = catalog_module._Writer.write

    def spy(self: catalog_module._Writer, batch: object) -> None:
        seen.append(self.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        write(self, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_module._Writer, "write", spy)
    assert catalog.import_path(folder, workers=1).works == 120
    page = catalog._db.execute("PRAGMA page_size").fetchone()[0]
    assert seen == [catalog_module.IMPORT_WAL_BYTES // page] * 3
    assert catalog._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    wal = tmp_path / "c.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert catalog.stats()["works"] == 120
    catalog.close()


KILLER = """
import os, signal, sys
from refkit.resolve import catalog as C
C.FLUSH_POSTINGS = 400  # commit every few files, so the kill lands between commits
cat = C.LocalCatalog(path=sys.argv[2])
def progress(p):
    if p.files_done == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9, mid-batch
cat.import_path(sys.argv[1], progress=progress, workers=1)
"""


def test_an_import_killed_midway_resumes_with_every_record_once(tmp_path: Path) -> None:
    folder = data_dir(tmp_path, files=12, per_file=30)
    db = tmp_path / "c.sqlite"
    run = subprocess.run([sys.executable, "-c", KILLER, str(folder), str(db), "7"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == -9, run.stderr
    catalog = LocalCatalog(path=db)
    committed = catalog.stats()
    assert 0 < committed["imported_files"] < 7 and committed["works"] == 30 * committed["imported_files"]
    report = catalog.import_path(folder)
    assert report.skipped == committed["imported_files"] and report.files == 12 - report.skipped
    assert catalog.stats()["works"] == 360
    catalog.close()
    rows = sqlite3.connect(db).execute("SELECT count(*), count(DISTINCT doi) FROM works").fetchone()
    assert rows == (360, 360)
    assert postings_are_unique(db)


def fake_pubmed(fileobj) -> Iterator[Work]:
    """Stand-in for refkit.resolve.pubmed_records.iter_pubmed_works: a PMID and title a line."""
    for line in fileobj.read().decode("utf-8").splitlines():
        if line.startswith("<PMID>"):
            pmid, doi, title = line[6:].split("|")
            yield Work(pmid=pmid, doi=doi or None, title=title, authors=[Author("Quist", "A")],
                       mesh=[{"descriptor": "Tacrolimus", "major": True}], origin="pubmed")


def test_pubmed_xml_goes_through_the_same_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "refkit.resolve.pubmed_records",
                        types.SimpleNamespace(iter_pubmed_works=fake_pubmed))
    xml = ("<?xml version='1.0'?>\n<PubmedArticleSet>\n<PMID>111|10.5555/scale.1|Merged with Crossref\n"
           "<PMID>222||Tacrolimus in a work without DOI\n</PubmedArticleSet>\n")
    plain, zipped = tmp_path / "a.xml", tmp_path / "b.xml.gz"
    plain.write_text(xml, encoding="utf-8")
    zipped.write_bytes(gzip.compress(xml.replace("111", "333").replace("222", "444").encode()))
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    catalog.add_records([record(1)])
    assert catalog.import_path(plain).works == 2
    (both,) = catalog.lookup(pmid="111")
    assert both.doi == "10.5555/scale.1" and both.mesh  # one row, both identifiers
    assert catalog.lookup(pmid="222")[0].title == "Tacrolimus in a work without DOI"
    assert catalog.import_path(zipped).works == 2 and catalog.lookup(pmid="444")
    assert catalog.stats()["works"] == 3  # 333 merged into the DOI row (the newer PMID wins); 444 new
    assert catalog.lookup(pmid="333")[0].doi == "10.5555/scale.1"
    catalog.close()


def old_catalog(path: Path, version: int) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE works (id INTEGER PRIMARY KEY, doi TEXT UNIQUE, pmid TEXT UNIQUE, "
               "record TEXT NOT NULL, origin TEXT NOT NULL)")
    if version == 2:  # Crossref's own JSON
        rows = [(r["DOI"], json.dumps(r), "import") for r in (record(1), record(2))]
    else:  # refkit's Work JSON
        from refkit.resolve.crossref_records import work_from_crossref

        rows = [(r["DOI"], json.dumps(work_from_crossref(r).to_dict()), "crossref")
                for r in (record(1), record(2))]
    db.executemany("INSERT INTO works(doi, record, origin) VALUES (?, ?, ?)", rows)
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()


@pytest.mark.parametrize("version", [2, 3])
def test_a_previous_catalog_is_rebuilt_with_one_message(tmp_path: Path, version: int, capsys) -> None:
    path = tmp_path / "catalog.sqlite"
    old_catalog(path, version)
    catalog = LocalCatalog(path=path)
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"schema {version}" in err and "rebuilt" in err and "2 works" in err
    assert catalog.lookup(doi="10.5555/scale.2")[0].title == "Study number 2 of renal amyloidosis"
    assert catalog.search_text("Quist A. Study number 1 of renal amyloidosis. J Test Med 1991;2:1-6")[0].doi \
        == "10.5555/scale.1"
    assert catalog.stats()["by_origin"] == {"import" if version == 2 else "crossref": 2}
    catalog.close()
    assert len(list(tmp_path.glob("catalog.sqlite.old-*"))) == 1
    LocalCatalog(path=path).close()  # opened again: nothing to say
    assert capsys.readouterr().err == ""


def damaged_catalog(tmp_path: Path) -> Path:
    path = tmp_path / "cache" / "catalog.sqlite"
    catalog = LocalCatalog(path=path)
    catalog.add_records(record(n) for n in range(3000))
    catalog.close()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle:middle + 8192] = b"\x5a" * 8192  # two pages past the header, garbage
    path.write_bytes(bytes(data))
    return path


def test_a_catalog_damaged_past_its_header_is_found_at_open(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from refkit.cli import main

    path = damaged_catalog(tmp_path)
    with pytest.raises(RefkitError, match="damaged"):
        LocalCatalog(path=path)
    runner = CliRunner()
    for args in (["catalog", "stats"], ["catalog", "import", str(path)]):
        result = runner.invoke(main, [*args, "--cache-dir", str(path.parent)])
        assert result.exit_code == 2 and result.exception is None or isinstance(result.exception, SystemExit)
        (line,) = result.output.strip().splitlines()
        assert line.startswith("refkit: error: the local catalog") and "damaged" in line


def test_a_reference_without_title_is_found_by_its_keys(tmp_path: Path) -> None:
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    catalog.add_records(record(n, title="Tacrolimus in polymyositis", family=f"Name{n % 50}")
                        for n in range(500))
    (work,) = catalog.search_text("Name7 A. J Test Med 1997;8:7", rows=1)  # author + year, volume + page
    assert work.doi == "10.5555/scale.7"
    catalog.close()


def test_common_terms_beyond_the_budget_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    catalog.add_records([record(n, title="Tacrolimus for polymyositis") for n in range(300)]
                        + [record(900, title="Quixotic tacrolimus for polymyositis", family="Rare")])
    monkeypatch.setattr(catalog_module, "POSTINGS_BUDGET", 50)
    found = catalog.search_text("Tacrolimus for polymyositis quixotic", rows=5)
    assert [w.doi for w in found] == ["10.5555/scale.900"]  # the 301-long postings were never read
    monkeypatch.setattr(catalog_module, "POSTINGS_BUDGET", 1000)
    assert len(catalog.search_text("Tacrolimus for polymyositis quixotic", rows=5)) == 5
    catalog.close()


def test_write_through_merges_a_work_known_under_its_doi(tmp_path: Path) -> None:
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    assert catalog.add([Work(doi="10.5555/W", title="Azathioprine in myositis")], origin="crossref") == 1
    again = Work(doi="10.5555/w", pmid="42", title="Azathioprine in myositis")
    assert catalog.add([again], origin="pubmed") == 1
    (work,) = catalog.lookup(pmid="42")
    assert work.doi == "10.5555/w" and catalog.stats()["works"] == 1  # the newer answer wins
    assert [w.doi for w in catalog.search_text("Azathioprine in myositis")] == ["10.5555/w"]
    catalog.close()
