"""Export: BibTeX, RIS, CSL-JSON and Vancouver text, checked by the real clients.

biber (``--tool --validate-datamodel``) and bibtex (plain.bst) run on the files when they are
installed (``.ci/run`` installs them); rispy reads RIS back; jsonschema checks CSL-JSON
against ``tests/data/csl-data.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
import rispy
from click.testing import CliRunner
from support import export as evaluation

from refkit.cli import main
from refkit.export import (
    EXPORTERS,
    csl_items,
    export_records,
    read_bibtex,
    to_bibtex,
    to_csljson,
    to_ris,
    to_text,
)
from refkit.export.bibtex import bibtex_entry, plain_fields, protect_title, valid_issn
from refkit.export.keys import base_key, fold_ascii, unique_keys
from refkit.model import Article, Author, Match, Reference, Work
from refkit.resolve.crossref_records import work_from_crossref

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text())

needs_biber = pytest.mark.skipif(not evaluation.has_biber(),
                                 reason="biber not installed (.ci/run installs it)")
needs_bibtex = pytest.mark.skipif(
    not evaluation.has_bibtex(),
    reason="bibtex or plain.bst not installed (.ci/run installs texlive-binaries, texlive-base)",
)


# --- fixtures ----------------------------------------------------------------------------------
def seed_references() -> list[Reference]:
    """The seed article's gold references; the six with a target DOI matched to their Work."""
    gold = json.loads((SEEDS / "jkra-16-301.gold.json").read_text())
    works = {}
    for line in (SEEDS / "jkra-16-301.works.jsonl").read_text().splitlines():
        work = work_from_crossref(json.loads(line))
        works[work.doi.lower()] = work
    refs = []
    for d in gold["references"]:
        ref = Reference.from_dict(d)
        target = d.get("target_doi")
        if target:
            ref.match = Match("matched", target, 0.95, "catalog")
            ref.work = works[target.lower()]
        else:
            ref.match = Match("unmatched", reason="no candidate")
        refs.append(ref)
    return refs


def seed_targets() -> dict[int, str]:
    gold = json.loads((SEEDS / "jkra-16-301.gold.json").read_text())
    return {d["n"]: d["target_doi"] for d in gold["references"] if d.get("target_doi")}


LONG_TITLE = ("Extremely long title with {braces} & 100% ~noise~ #" * 100)[:5000]
HOSTILE_TITLES = [
    "Unbalanced { brace in a title",
    "Closing } brace first",
    "}{ reversed braces {{{",
    r"Backslash \ at the end \\",
    r"\end{document} \input{/etc/passwd} \def\x{}",
    "100% of cases & controls #1 under $5 ~ approx ^ caret_under @article{evil, title={x}",
    "Multi\nline\ttitle\nTY  - JOUR\nER  - \n@misc{injected,",
    LONG_TITLE,
]


def hostile_references() -> list[Reference]:
    refs = []
    for i, title in enumerate(HOSTILE_TITLES, 1):
        refs.append(Reference(
            raw=title, n=i,
            authors=[Author("O'Brien, and Co {", "J}"), Author("Smith & Wesson % Group", None, True)],
            title=title, journal="J {Odd} % & _ Stuff", year=2000 + i, volume="1}", issue="{2",
            first_page="3", last_page="4", doi=f"10.1000/{{weird}}.{i} x", url="http://x.org/a b;c",
            match=Match("unmatched")))
    return refs


def retracted_reference() -> Reference:
    work = work_from_crossref({
        "DOI": "10.5555/retracted.1", "type": "journal-article", "title": ["Tacrolimus in everything"],
        "author": [{"family": "Núñez", "given": "José"}], "container-title": ["Journal of Trouble"],
        "issued": {"date-parts": [[2018, 5]]}, "volume": "9", "page": "1-2",
        "ISSN": ["1234-5678", "0140-6736"],
        "updated-by": [{"type": "retraction", "DOI": "10.5555/retraction.1",
                        "updated": {"date-time": "2019-07-26T00:00:00Z"}}],
    })
    return Reference(raw="Nunez J. Tacrolimus in everything. J Troub. 2018;9:1-2.", n=4,
                     authors=[Author("Nunez", "J")], title="Tacrolimus in everything", journal="J Troub",
                     year=2018, volume="9", first_page="1", last_page="2", pmid="29876543",
                     match=Match("matched", "10.5555/retracted.1", 0.97), work=work)


# --- helpers for the real clients ---------------------------------------------------------------
def biber_problems(tmp_path: Path, bib: str) -> list[str]:
    return evaluation.biber_problems(bib, tmp_path)


def bibtex_run(tmp_path: Path, bib: str) -> tuple[list[str], str]:
    """Run bibtex (plain.bst) over an .aux citing every key: (problems, .bbl text)."""
    return evaluation.bibtex_problems(bib, tmp_path, [e["ID"] for e in read_bibtex(bib)])


# --- BibTeX ---------------------------------------------------------------------------------------
def test_seed_bibtex_has_every_reference_with_dois_on_the_resolved_ones():
    entries = read_bibtex(to_bibtex(seed_references()))
    assert len(entries) == 13
    dois = {i: e.get("doi") for i, e in enumerate(entries, 1) if e.get("doi")}
    assert dois == seed_targets()
    for i, entry in enumerate(entries, 1):
        assert ("refkit: unverified" in entry.get("note", "")) == (i not in seed_targets())
    assert entries[0]["ID"] == "dalakas2003polymyositis"
    assert entries[0]["author"] == "Dalakas, M. C. and Hohlfeld, R."
    assert entries[3]["author"].endswith(" and others")  # cited "et al."
    assert entries[0]["pages"] == "971--982"


def test_senecal_survives_in_utf8_and_as_latex_escape():
    utf8 = to_bibtex(seed_references())
    ascii_text = to_bibtex(seed_references(), ascii=True)
    assert "Senécal, J. L." in utf8
    assert "Sen{\\'e}cal, J. L." in ascii_text
    assert ascii_text.isascii()
    assert read_bibtex(ascii_text)[4]["author"] == read_bibtex(utf8)[4]["author"]


def test_keys_are_stable_unique_and_ascii():
    first = [e["ID"] for e in read_bibtex(to_bibtex(seed_references()))]
    second = [e["ID"] for e in read_bibtex(to_bibtex(seed_references()))]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(re.fullmatch(r"[a-z][a-z0-9]*", k) for k in first)


def test_key_rules():
    assert base_key("Senécal", 2005, "The novel classification") == "senecal2005novel"
    assert base_key("Łukasz-Øster", 1999, "A study of ß") == "lukaszoster1999study"
    assert base_key(None, None, None) == "ref"
    assert base_key("O'Brien", None, "3 trials of IVIG") == "obrientrials"
    assert unique_keys(["smith2000x", "smith2000x", "smith2000xa", "smith2000x"]) == [
        "smith2000x", "smith2000xb", "smith2000xa", "smith2000xc"]
    assert fold_ascii("Grønbæk Straße") == "Gronbaek Strasse"


def test_duplicate_citations_get_suffixes():
    ref = seed_references()[0]
    entries = read_bibtex(to_bibtex([ref, ref, ref]))
    assert [e["ID"] for e in entries] == ["dalakas2003polymyositis", "dalakas2003polymyositisa",
                                          "dalakas2003polymyositisb"]


@pytest.mark.parametrize("title, protected", [
    ("Intravenous IVIG in COVID-19", ["{IVIG}", "{COVID-19}"]),
    ("A new approach with T-cell-specific immunosuppressants", ["{T-cell-specific}"]),
    ("Analysis of 100 French Canadian patients", ["{French}", "{Canadian}"]),
    ("mRNA and DNA in McArdle disease", ["{mRNA}", "{DNA}", "{McArdle}"]),
])
def test_title_protection(title, protected):
    encoded = protect_title(title)
    for word in protected:
        assert word in encoded
    assert encoded.replace("{", "").replace("}", "") == title


def test_title_case_titles_are_not_braced_word_by_word():
    encoded = protect_title("Azathioprine with Prednisone for Polymyositis: A Controlled, Clinical Trial")
    assert "{" not in encoded
    after_colon = "Myopathies: Polymyositis and other disorders"
    assert protect_title(after_colon) == after_colon


@pytest.mark.parametrize("ascii_only", [False, True])
def test_bibtex_round_trip_gives_back_the_same_fields(ascii_only):
    refs = seed_references() + [retracted_reference()] + hostile_references()
    records = export_records(refs)
    parsed = read_bibtex(to_bibtex(refs, ascii=ascii_only))
    assert len(parsed) == len(records)
    for record, entry in zip(records, parsed, strict=True):
        expected = plain_fields(bibtex_entry(record))
        assert entry["ID"] == record.key
        assert set(entry) - {"ENTRYTYPE", "ID"} == set(expected)
        for key, value in expected.items():
            got = unquote(entry[key]) if key in ("doi", "url") else entry[key]
            assert got == value, key


def test_retraction_is_loud_in_every_format():
    refs = [retracted_reference()]
    note = "RETRACTED (retraction 10.5555/retraction.1, 2019-07-26)"
    entry = read_bibtex(to_bibtex(refs))[0]
    assert entry["note"] == note
    assert entry["issn"] == "0140-6736"  # the record's first ISSN fails its check digit
    assert (entry["eprint"], entry["eprinttype"]) == ("29876543", "pubmed")  # biblatex has no pmid field
    assert rispy.loads(to_ris(refs))[0]["accession_number"] == "29876543"
    assert json.loads(to_csljson(refs))[0]["PMID"] == "29876543"
    assert rispy.loads(to_ris(refs))[0]["notes"] == [note]
    assert json.loads(to_csljson(refs))[0]["note"] == note
    assert note in to_text(refs)


def test_issn_check_digit():
    assert valid_issn("0140-6736") and valid_issn("0003-4819") and valid_issn("2049-3630")
    assert not valid_issn("1234-5678") and not valid_issn("0140-673")


def test_incomplete_citations_become_misc_with_what_was_cited():
    refs = [Reference(raw="WHO. Guidelines for tuberculosis care. Geneva; 2010.", n=1, title=None, year=2010),
            Reference(raw="Anon. Some report.", n=2, authors=[], title="Some report", journal="Bull Med",
                      year=2001, volume="3", first_page="7")]
    entries = read_bibtex(to_bibtex(refs))
    assert [e["ENTRYTYPE"] for e in entries] == ["misc", "misc"]
    assert entries[0]["title"] == refs[0].raw
    assert entries[1]["howpublished"] == "Bull Med. 3:7"
    assert all(e["key"] and e["note"] == "refkit: unverified" for e in entries)


@needs_biber
@pytest.mark.parametrize("ascii_only", [False, True])
def test_biber_validates_seed_and_hostile_entries(tmp_path, ascii_only):
    refs = seed_references() + [retracted_reference()] + hostile_references()
    refs += [Reference(raw="WHO. Guidelines. 2010.", n=99, year=2010)]
    assert biber_problems(tmp_path, to_bibtex(refs, ascii=ascii_only)) == []


@needs_biber
def test_biber_check_is_not_blind(tmp_path):
    assert biber_problems(tmp_path, "@article{x, title = {T}, issn = {1234-5678}, year = {2000}}\n")


@needs_bibtex
@pytest.mark.parametrize("ascii_only", [False, True])
def test_bibtex_plain_processes_every_entry_without_warnings(tmp_path, ascii_only):
    refs = seed_references() + [retracted_reference()] + hostile_references()
    refs += [Reference(raw="WHO. Guidelines. 2010.", n=99, year=2010)]
    problems, bbl = bibtex_run(tmp_path, to_bibtex(refs, ascii=ascii_only))
    assert problems == []
    assert bbl.count("\\bibitem") == len(refs)
    assert "Sen" in bbl and ("Sen{\\'e}cal" in bbl if ascii_only else "Senécal" in bbl)


@needs_bibtex
def test_bibtex_check_is_not_blind(tmp_path):
    problems, _ = bibtex_run(tmp_path, "@article{x, title = {T}, year = {2000}}\n")
    assert any("empty author" in p for p in problems)


# --- RIS ------------------------------------------------------------------------------------------
def test_ris_read_back_by_rispy_field_by_field():
    refs = seed_references() + [retracted_reference()] + hostile_references()
    text = to_ris(refs)
    assert text.startswith("TY  - JOUR\n")
    read = rispy.loads(text)
    records = export_records(refs)
    assert len(read) == len(records)
    for record, entry in zip(records, read, strict=True):
        assert entry["id"] == record.key
        assert entry["title"] == record.title
        assert entry["authors"] == [f"{a.family}, {a.given}" if a.given else a.family for a in record.authors]
        assert entry.get("secondary_title") == record.container
        assert entry.get("year") == str(record.year)
        assert entry.get("volume") == record.volume
        assert entry.get("number") == record.issue
        assert entry.get("start_page") == record.first_page
        assert entry.get("end_page") == record.last_page
        assert entry.get("doi") == record.doi
        assert entry.get("notes", []) == record.notes
        assert [unquote(u) for u in entry.get("urls", [])] == ([record.url] if record.url else [])
    assert read[0]["doi"] == "10.1016/S0140-6736(03)14368-1"
    assert read[0]["issn"] == "0140-6736"
    assert len([line for line in text.splitlines() if line.startswith("TY  - ")]) == len(refs)


# --- CSL-JSON -------------------------------------------------------------------------------------
def test_csljson_passes_the_schema():
    refs = seed_references() + [retracted_reference()] + hostile_references()
    refs += [Reference(raw="WHO. Guidelines. 2010.", n=99, year=2010)]
    items = json.loads(to_csljson(refs))
    jsonschema.validate(items, SCHEMA)
    assert items == csl_items(refs)
    assert items[0]["DOI"] == "10.1016/S0140-6736(03)14368-1"
    assert items[0]["issued"] == {"date-parts": [[2003]]}
    assert items[4]["author"][5] == {"family": "Senécal", "given": "J. L."}
    assert items[-1]["title"] == "WHO. Guidelines. 2010." and items[-1]["type"] == "document"
    assert items[14]["title"] == HOSTILE_TITLES[0]


def test_csl_schema_check_is_not_blind():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"id": "x", "type": "journal-article", "title": "T"}], SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"id": "x", "type": "article-journal", "pmid": "1"}], SCHEMA)


# --- formatted text ---------------------------------------------------------------------------------
def test_text_is_vancouver_numbered_as_in_the_article():
    lines = to_text(seed_references()).splitlines()
    assert len(lines) == 13
    assert lines[0].startswith("1. Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis. ")
    assert "2003;362(9388):971-82." in lines[0] and lines[0].endswith("doi:10.1016/S0140-6736(03)14368-1")
    assert lines[3].startswith("4. Drake LA, Dinehart SM, Farmer ER, Goltz RW, Graham GF, Hordinsky MK, "
                               "et al. ")
    assert lines[12].startswith("13. Takada K, Nagasaka K, Miyasaka N. ")
    picked = [seed_references()[i] for i in (2, 6)]
    assert [line.split(".")[0] for line in to_text(picked).splitlines()] == ["3", "7"]


def test_vancouver_style_is_valid_csl():
    from citeproc import SCHEMA_PATH
    from lxml import etree

    from refkit.export.text import STYLE_PATH

    schema = etree.RelaxNG(etree.parse(SCHEMA_PATH))
    assert schema.validate(etree.parse(str(STYLE_PATH))), schema.error_log


def test_every_format_survives_hostile_input():
    refs = hostile_references()
    for name, export in EXPORTERS.items():
        text = export(refs)
        assert text, name
    text_lines = to_text(refs).splitlines()
    assert len(text_lines) == len(refs)


# --- command line --------------------------------------------------------------------------------
def test_export_command_reads_a_refs_json(tmp_path):
    article = Article(source="seed", references=seed_references())
    refs_json = tmp_path / "seed.json"
    refs_json.write_text(json.dumps(article.to_dict(), ensure_ascii=False))
    runner = CliRunner()
    result = runner.invoke(main, ["export", str(refs_json)])
    assert result.exit_code == 0, result.output
    assert len(read_bibtex(result.output)) == 13
    out = tmp_path / "out" / "seed.ris"
    result = runner.invoke(main, ["export", str(refs_json), "-f", "ris", "-o", str(out)])
    assert result.exit_code == 2 and "does not exist" in result.output  # no folders made silently
    out.parent.mkdir()
    result = runner.invoke(main, ["export", str(refs_json), "-f", "ris", "-o", str(out)])
    assert result.exit_code == 0
    assert len(rispy.loads(out.read_text())) == 13
    result = runner.invoke(main, ["export", str(refs_json), "--ascii"])
    assert "Sen{\\'e}cal" in result.output


def test_export_command_parses_and_resolves_an_article_offline(tmp_path):
    runner = CliRunner()
    cache = tmp_path / "cache"
    result = runner.invoke(main, ["catalog", "import", str(SEEDS / "jkra-16-301.works.jsonl"),
                                  "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["export", str(SEEDS / "jkra-16-301.txt"), "--offline",
                                  "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    entries = read_bibtex(result.stdout)
    assert len(entries) == 13
    found = {i: e["doi"] for i, e in enumerate(entries, 1) if "doi" in e}
    assert found == seed_targets()
    if evaluation.has_biber():
        assert evaluation.biber_problems(result.stdout, tmp_path) == []
    if evaluation.has_bibtex():
        problems, bbl = bibtex_run(tmp_path, result.stdout)
        assert problems == [] and bbl.count("\\bibitem") == 13


def test_export_command_refuses_json_that_is_not_a_refs_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"items": []}')
    result = CliRunner().invoke(main, ["export", str(bad)])
    assert result.exit_code == 2
    assert "references" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"references": [{"n": 1, "match": {"confidence": 1}}]}')
    result = CliRunner().invoke(main, ["export", str(broken)])
    assert result.exit_code == 2 and "not a refkit references file" in result.output


# --- the corpus through the real clients ------------------------------------------------------------
def test_corpus_sample_exports_cleanly_everywhere():
    """300 corpus strings as parsed, half with their catalog record: no client complains."""
    references = evaluation.corpus_references(limit=300)
    assert sum(r.work is not None for r in references) > 100
    report = evaluation.export_report(references)
    for key in ("biber_utf8", "biber_ascii", "bibtex_utf8", "bibtex_ascii", "ris", "csljson"):
        assert report[key] in ([], None), (key, report[key][:5])
    assert report["entries_utf8"] == report["entries_ascii"] == report["text_lines"] == 300
    if report["bibtex_utf8"] is not None:
        assert report["bibitems_utf8"] == report["bibitems_ascii"] == 300


def test_records_deposited_in_capitals_are_not_exported_shouting():
    work = Work(doi="10.5555/caps.1", title="POLYMYOSITIS AND DERMATOMYOSITIS: A REVIEW OF IVIG",
                authors=[Author("DALAKAS", "MARINOS C."), Author("O'BRIEN", "J")], container_title="Lancet",
                year=2003)
    ref = Reference(raw="", authors=[Author("Dalakas", "MC")],
                    title="Polymyositis and dermatomyositis: a review of IVIG",
                    match=Match("matched", "10.5555/caps.1", 0.9), work=work)
    entry = read_bibtex(to_bibtex([ref]))[0]
    assert entry["title"] == ref.title  # the cited spelling of the same title
    assert entry["author"] == "Dalakas, Marinos C. and O'Brien, J."
    ref.title = "A title the record does not share"
    assert read_bibtex(to_bibtex([ref]))[0]["title"] == "Polymyositis and dermatomyositis: a review of ivig"


def typed_references() -> list[Reference]:
    """Matched records of each Crossref type refkit distinguishes, incomplete ones included."""
    base = {"author": [{"family": "Kim", "given": "Hyun"}], "issued": {"date-parts": [[2011]]},
            "publisher": "Springer", "page": "10-20"}
    records = [
        {"type": "book", "title": ["Myositis handbook"]},
        {"type": "book", "title": ["A book without publisher"], "publisher": None},
        {"type": "book-chapter", "title": ["Inflammatory myopathies"], "container-title": ["Rheumatology"]},
        {"type": "proceedings-article", "title": ["Tacrolimus trial"], "container-title": ["Proc EULAR"],
         "volume": "3 Suppl", "issue": "2"},
        {"type": "posted-content", "title": ["A preprint"], "URL": "https://example.org/p?a=1&b=2"},
    ]
    refs = []
    for i, extra in enumerate(records, 1):
        record = {**base, **extra, "DOI": f"10.5555/typed.{i}"}
        refs.append(Reference(raw=f"Kim H. {extra['title'][0]}. 2011.", n=i, authors=[Author("Kim", "H")],
                              title=extra["title"][0], year=2011,
                              match=Match("matched", record["DOI"], 0.9), work=work_from_crossref(record)))
    return refs


def test_other_work_types_export_cleanly(tmp_path):
    refs = typed_references()
    entries = read_bibtex(to_bibtex(refs))
    assert [e["ENTRYTYPE"] for e in entries] == ["book", "misc", "misc", "inproceedings", "misc"]
    assert entries[0]["publisher"] == "Springer"
    assert entries[2]["howpublished"] == "In: Rheumatology. Springer. pages 10--20"
    assert "volume" not in entries[3]  # biber wants an integer volume; plain.bst no number without it
    items = json.loads(to_csljson(refs))
    jsonschema.validate(items, SCHEMA)
    assert [i["type"] for i in items] == ["book", "book", "chapter", "paper-conference", "document"]
    ris_types = [r["type_of_reference"] for r in rispy.loads(to_ris(refs))]
    assert ris_types == ["BOOK", "BOOK", "CHAP", "CPAPER", "GEN"]
    assert len(to_text(refs).splitlines()) == 5
    if evaluation.has_biber():
        assert biber_problems(tmp_path, to_bibtex(refs)) == []
    if evaluation.has_bibtex():
        assert bibtex_run(tmp_path, to_bibtex(refs))[0] == []


# --- one style ------------------------------------------------------------------------------------
def test_seed_exports_name_journals_by_their_nlm_abbreviation_verified_or_not():
    refs = seed_references()
    lines = {int(line.split(".")[0]): line for line in to_text(refs).splitlines()}
    # Ref 1 is verified (Crossref: "The Lancet"), ref 12 is not (cited "Lancet"): one name.
    assert ". Lancet. 2003;" in lines[1] and ". Lancet. 1999;" in lines[12]
    assert all("The Lancet" not in line and "New England Journal" not in line for line in lines.values())
    assert [n for n, line in lines.items() if ". N Engl J Med. " in line] == [3, 8, 9]
    # Crossref's short title lacks NLM's place qualifier; the citation has it.
    assert ". Rheumatology (Oxford). 2007;46(1):124-30." in lines[11]
    journals = {e["ID"]: e.get("journal") for e in read_bibtex(to_bibtex(refs))}
    assert sorted(j for j in journals.values() if j and "Lancet" in j) == ["Lancet", "Lancet"]
    assert "Rheumatology (Oxford)" in journals.values() and "N Engl J Med" in journals.values()


def test_yamasaki_is_exported_with_its_print_year():
    refs = seed_references()
    yamasaki = refs[10]
    assert yamasaki.work.online_year == 2006 and yamasaki.work.print_year == 2007
    assert "Rheumatology (Oxford). 2007;" in to_text([yamasaki])
    assert read_bibtex(to_bibtex([yamasaki]))[0]["year"] == "2007"
    assert csl_items([yamasaki])[0]["issued"]["date-parts"][0][0] == 2007
    assert export_records([yamasaki])[0].cited_year is None  # cited as printed: nothing to flag


def test_a_cited_year_that_differs_from_the_print_year_is_kept_and_flagged():
    ref = seed_references()[10]
    ref.year = 2006  # cited by its online year
    record = export_records([ref])[0]
    assert (record.year, record.cited_year) == (2007, 2006)
    assert "cited as 2006" in read_bibtex(to_bibtex([ref]))[0]["note"]
    assert "cited as 2006" in csl_items([ref])[0]["note"]
    assert "cited as 2006" in rispy.loads(to_ris([ref]))[0]["notes"]


def test_title_case_records_are_exported_in_sentence_case():
    lines = to_text(seed_references()).splitlines()
    # Crossref deposits: "Azathioprine with Prednisone for Polymyositis: A Controlled, Clinical Trial"
    assert "Azathioprine with prednisone for polymyositis: a controlled, clinical trial." in lines[5]
    assert "Polymyositis and dermatomyositis (second of two parts)." in lines[2]
    assert "with T-cell-specific immunosuppressants." in lines[12]  # an acronym keeps its capital
    work = Work(doi="10.5555/tc.1", title="Outcomes in French Canadian Patients With IVIG Therapy",
                container_title="Journal of Rheumatology", short_container_title="J. Rheumatol.", year=2001)
    ref = Reference(raw="", title="Outcomes in French Canadian patients with IVIG therapy",
                    match=Match("matched", work.doi, 0.9), work=work)
    record = export_records([ref])[0]
    assert record.title == "Outcomes in French Canadian patients with IVIG therapy"
    assert record.journal == "J Rheumatol"  # ISO periods dropped: NLM's form


def test_a_cited_et_al_outlives_a_record_with_exactly_six_authors():
    refs = seed_references()
    cherin = refs[6]  # cited "Cherin P, … Simon A, et al."; the record lists the same six names
    assert cherin.et_al and len(cherin.work.authors) == 6
    assert ", Simon A, et al. Results" in to_text([cherin])
    assert read_bibtex(to_bibtex([cherin]))[0]["author"].endswith(" and others")
    dalakas = refs[0]  # the record's full list, no "et al." cited: none added
    assert "et al." not in to_text([dalakas])
    cherin.work.authors = cherin.work.authors + [Author("Extra", "A")]  # the record is longer
    assert not export_records([cherin])[0].et_al


def test_pmid_and_pmcid_reach_every_format():
    refs = seed_references()
    oddis, yamasaki = refs[11], refs[10]
    oddis.pmcid = "pmc2977932"  # cited
    yamasaki.work.pmid = "16754626"  # from the record
    text = to_text([yamasaki, oddis]).splitlines()
    assert text[0].endswith("doi:10.1093/rheumatology/kel112 PMID: 16754626.")
    assert text[1].endswith(" PMCID: PMC2977932.")
    bib = read_bibtex(to_bibtex([yamasaki, oddis]))
    assert (bib[0]["eprint"], bib[0]["eprinttype"]) == ("16754626", "pubmed")
    assert (bib[1]["eprint"], bib[1]["eprinttype"]) == ("PMC2977932", "pmcid")
    ris = rispy.loads(to_ris([yamasaki, oddis]))
    assert ris[0]["accession_number"] == "16754626" and ris[1]["custom2"] == "PMC2977932"
    items = csl_items([yamasaki, oddis])
    assert items[0]["PMID"] == "16754626" and items[1]["PMCID"] == "PMC2977932"


def test_bibtex_keys_do_not_change_when_a_reference_resolves():
    unresolved = seed_references()
    for ref in unresolved:
        ref.match, ref.work = Match("unmatched"), None
    keys = [e["ID"] for e in read_bibtex(to_bibtex(unresolved))]
    assert keys == [e["ID"] for e in read_bibtex(to_bibtex(seed_references()))]
    assert keys == [e["ID"] for e in read_bibtex(to_bibtex(seed_references()))]  # and across runs


def test_offline_pipeline_text_export_is_in_one_style(tmp_path):
    """The seed parsed and resolved now (offline, the seed records in the catalog): one style."""
    runner = CliRunner()
    cache = tmp_path / "cache"
    works = str(SEEDS / "jkra-16-301.works.jsonl")
    runner.invoke(main, ["catalog", "import", works, "--cache-dir", str(cache)])
    result = runner.invoke(main, ["export", str(SEEDS / "jkra-16-301.txt"), "--offline",
                                  "--cache-dir", str(cache), "-f", "text"])
    assert result.exit_code == 0, result.output
    lines = {int(line.split(".")[0]): line for line in result.stdout.splitlines()}
    assert len(lines) == 13
    assert ". Lancet. 2003;" in lines[1] and ". Lancet. 1999;" in lines[12]
    assert ". N Engl J Med. 1975;" in lines[3] and ". N Engl J Med. 1992;" in lines[8]
    assert ". Rheumatology (Oxford). 2007;46(1):124-30." in lines[11]
    assert "The Lancet" not in result.stdout and "New England Journal" not in result.stdout
