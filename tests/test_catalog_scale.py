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
from refkit.model import Author, Reference, Work
from refkit.resolve import catalog as catalog_module
from refkit.resolve.catalog import LocalCatalog
from refkit.resolve.catalog_index import term_hashes

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
    by_term: dict[int, array] = {}
    for term, blob in db.execute("SELECT term, ids FROM postings UNION ALL SELECT term, ids FROM sparse"):
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


# Schema 4 (refkit before term hashes): terms as text; records Work JSON text or deflated with the
# catalog's preset dictionary; origins numbered.
SCHEMA_4 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE origins (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE works (id INTEGER PRIMARY KEY, doi TEXT UNIQUE, pmid TEXT UNIQUE, pmcid TEXT,
                    record BLOB NOT NULL, origin INTEGER NOT NULL);
CREATE TABLE postings (term TEXT NOT NULL, seg INTEGER NOT NULL, n INTEGER NOT NULL, ids BLOB NOT NULL,
                       PRIMARY KEY (term, seg)) WITHOUT ROWID;
CREATE TABLE terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE seed_files (path TEXT PRIMARY KEY, mtime REAL, size INTEGER, sha256 TEXT);
CREATE TABLE imported_files (path TEXT PRIMARY KEY, size INTEGER, mtime REAL, works INTEGER);
"""


def test_a_schema_4_catalog_is_rebuilt_with_one_message(tmp_path: Path, capsys) -> None:
    import zlib

    from refkit.resolve.catalog_index import ZDICT, dump_work
    from refkit.resolve.crossref_records import work_from_crossref

    folder = data_dir(tmp_path, files=1, per_file=3)
    (data,) = folder.iterdir()
    path = tmp_path / "catalog.sqlite"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_4)
    db.execute("INSERT INTO meta VALUES ('zdict', ?)", (ZDICT,))
    db.executemany("INSERT INTO origins VALUES (?, ?)", [(1, "import"), (2, "crossref")])
    text = dump_work(work_from_crossref(record(0), origin="catalog"))
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, ZDICT)
    old_one = dump_work(work_from_crossref(record(1), origin="catalog")).encode()
    deflated = packer.compress(old_one) + packer.flush()
    db.executemany("INSERT INTO works(id, doi, record, origin) VALUES (?, ?, ?, ?)",
                   [(1, "10.5555/scale.0", text, 1), (2, "10.5555/scale.1", deflated, 2)])
    db.execute("INSERT INTO postings VALUES ('amyloidosis', 0, 2, ?)", (array("I", [1, 2]).tobytes(),))
    st = data.stat()
    db.execute("INSERT INTO imported_files VALUES (?, ?, ?, 3)",
               (str(data.resolve()), st.st_size, st.st_mtime))
    db.execute("PRAGMA user_version = 4")
    db.commit()
    db.close()
    catalog = LocalCatalog(path=path)
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "schema 4" in err and "2 works" in err
    assert f"rebuilt for schema {catalog_module.SCHEMA_VERSION}" in err
    assert catalog.stats()["by_origin"] == {"import": 1, "crossref": 1}  # origins by name again
    assert catalog.lookup(doi="10.5555/scale.1")[0].title == "Study number 1 of renal amyloidosis"
    found = catalog.search_text("Quist A. Study number 1 of renal amyloidosis. J Test Med 1991;2:1-6", rows=1)
    assert [w.doi for w in found] == ["10.5555/scale.1"]  # indexed again, by term hashes
    assert catalog.import_path(folder).skipped == 1  # the files it had imported stay done
    catalog.close()
    LocalCatalog(path=path).close()
    assert capsys.readouterr().err == ""


def test_sparse_and_dense_segments_add_up_to_one_document_frequency(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    # "tacrolimus": a dense segment of 300 works (postings + terms), then a sparse one of 1
    catalog.add_records(record(n, title="Tacrolimus for polymyositis") for n in range(300))
    catalog.add_records([record(900, title="Quixotic tacrolimus for polymyositis", family="Rare")])
    db = catalog._db
    assert db.execute("SELECT count(*) FROM postings").fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM sparse").fetchone()[0] > 0
    query = "Tacrolimus for polymyositis quixotic"
    # Read rarest first: quixotic (1 work), then tacrolimus if the 300 + 1 works fit what is left.
    monkeypatch.setattr(catalog_module, "POSTINGS_BUDGET", 302)
    assert len(catalog.search_text(query, rows=5)) == 5
    monkeypatch.setattr(catalog_module, "POSTINGS_BUDGET", 301)  # 301 > 300 left: not read
    assert [w.doi for w in catalog.search_text(query, rows=5)] == ["10.5555/scale.900"]
    # Its keys (volume 28 page 900; Rare with 1990) live in sparse alone, and find it.
    from refkit.resolve.catalog_index import term_hashes

    keys = term_hashes(["vp:28:900", "ay:rare:1990"]).tolist()
    assert {r[0] for r in db.execute("SELECT term FROM sparse")} >= set(keys)
    assert not db.execute("SELECT count(*) FROM terms WHERE term IN (?, ?)", keys).fetchone()[0]
    (found,) = catalog.search_text("Rare A. J Test Med 1990;28:900", rows=1)
    assert found.doi == "10.5555/scale.900"
    catalog.close()


PINNED_HASHES = [212736285313259789, 1955457655502044075, -5533874319150223613, 0]


def reference_hash(term: str) -> int:
    """term_hashes as its comment defines it, one term in Python integers."""
    from refkit.resolve import catalog_index as ci

    mask = (1 << 64) - 1
    data = term.encode("utf-8")
    h = sum((b + 1) * pow(ci._MUL, len(data) - 1 - j, 1 << 64) for j, b in enumerate(data)) & mask
    h = (h + len(data) * ci._LENGTH_MIX) & mask
    h ^= h >> 30
    h = h * 0xBF58476D1CE4E5B9 & mask
    h ^= h >> 27
    h = h * 0x94D049BB133111EB & mask
    h ^= h >> 31
    return h - (1 << 64) if h >= 1 << 63 else h


def test_term_hashes_are_stable_and_tell_the_corpus_terms_apart() -> None:
    from refkit.resolve.catalog_index import fields_terms, term_hashes
    from refkit.resolve.crossref_records import crossref_fields

    # Catalogs on disk hold these numbers: a change to the hash must come with a new schema.
    assert term_hashes(["amyloidosis", "vp:12:345", "ay:öberg:2001", ""]).tolist() == PINNED_HASHES
    assert term_hashes(["x", "amyloidosis"]).tolist()[1] == term_hashes(["amyloidosis"]).tolist()[0]
    some = ["a:quist", "ay:quist:1991", "vp:2:1", "ŝtudo", "x" * 300]
    assert term_hashes(some).tolist() == [reference_hash(t) for t in some]
    many = [f"w{n}" for n in range(150_000)]  # hashed in chunks: the same numbers
    assert term_hashes(many)[-3:].tolist() == [reference_hash(t) for t in many[-3:]]
    lines = (ROOT / "tests" / "data" / "corpus" / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
    terms = sorted({t for line in lines for t in fields_terms(crossref_fields(json.loads(line)))})
    assert len(terms) > 20_000
    assert len(set(term_hashes(terms).tolist())) == len(terms)


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


def keyed_record(n: int, title: str, family: str, year: int, volume: int, page: int) -> dict:
    return {**record(n, title=title, family=family), "issued": {"date-parts": [[year]]},
            "volume": str(volume), "page": f"{page}-{page + 5}"}


def test_works_that_tie_on_the_keys_are_told_apart_by_the_common_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every word of the cited title is in more works than a search reads: the first pass finds
    # the work by its keys alone, with works that share them (the same author, year, volume and
    # page: another journal's), written first so that they win a tie.
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    common = "Age related changes in speed of walking"
    catalog.add_records([keyed_record(n, common, f"Other{n}", 1950 + n, 100 + n, 900 + n) for n in range(60)]
                        + [keyed_record(100 + n, f"Renal amyloidosis {word}", "Himann", 1988, 20, 161)
                           for n, word in enumerate(["in mice", "treated", "revisited"])]
                        + [keyed_record(200, common, "Himann", 1988, 20, 161)])
    monkeypatch.setattr(catalog_module, "POSTINGS_BUDGET", 50)
    text = "Himann JE (1988) Age-related changes in speed of walking. Med Sci Sports Exerc 20:161-166"
    assert [w.doi for w in catalog.search_text(text, rows=1)] == ["10.5555/scale.200"]
    catalog.close()


def test_a_common_surname_with_small_numbers_is_found_by_author_volume_and_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # At Crossref's size "Wang" in 2020 and volume 1 page 1 each hold more works than a search
    # reads, and so does every word of the title; the three together are nearly unique.
    catalog = LocalCatalog(path=tmp_path / "c.sqlite")
    common = "Inflammation in disease"
    catalog.add_records([keyed_record(n, common, "Wang", 2020, 10 + n, 100 + n) for n in range(60)]
                        + [keyed_record(100 + n, common, f"Other{n}", 1950 + n, 1, 1) for n in range(60)]
                        + [keyed_record(200, common, "Wang", 2020, 1, 1)])
    monkeypatch.setattr(catalog_module, "POSTINGS_BUDGET", 50)
    (work,) = catalog.search_text("Wang X, Li Y. Inflammation in disease. J Test Med 2020;1:1-6", rows=1)
    assert work.doi == "10.5555/scale.200"
    ref = Reference(raw="Wang X. Inflammation in disease. J Test Med 2021;1:1", authors=[Author("Wang", "X")],
                    year=2021, volume="1", first_page="1")  # the online year: the key has none
    assert [w.doi for w in catalog.search(ref, rows=1)] == ["10.5555/scale.200"]
    catalog.close()


def test_a_schema_5_catalog_is_indexed_again_for_the_author_volume_page_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = tmp_path / "catalog.sqlite"
    catalog = LocalCatalog(path=path)
    title = "Inflammation in disease"
    catalog.add_records([keyed_record(n, title, "Wang", 2020, 10 + n, 100 + n) for n in range(60)]
                        + [keyed_record(200, title, "Wang", 2020, 1, 1)])
    catalog._db.execute("DELETE FROM sparse WHERE term = ?", (int(term_hashes(["avp:wang:1:1"])[0]),))
    catalog._db.execute("PRAGMA user_version = 5")  # as schema 5 wrote it: no avp: postings
    catalog._db.commit()
    catalog.close()
    catalog = LocalCatalog(path=path)
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "schema 5" in err and "61 works" in err
    monkeypatch.setattr(catalog_module, "POSTINGS_BUDGET", 50)
    (work,) = catalog.search_text("Wang X. Inflammation in disease. J Test Med 2020;1:1-6", rows=1)
    assert work.doi == "10.5555/scale.200"
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
