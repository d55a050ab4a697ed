"""Terminal output fits the width it is given, keeps identifiers whole, and pipes cleanly."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from refkit import render
from refkit.model import Article, Match, Reference, Work
from refkit.parse import read_article
from refkit.resolve import resolve_article
from refkit.resolve.catalog import LocalCatalog
from refkit.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOI = re.compile(r"10\.\d{4,9}/[^\s,;]+[^\s,;.:]")


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Article:
    article = read_article(str(ROOT / "seeds" / "jkra-16-301.txt"))
    settings = Settings(offline=True, cache_dir=tmp_path_factory.mktemp("cache"))
    catalog = LocalCatalog(settings)  # the seed's records travel beside it, as a workspace indexes them
    catalog.index_files([ROOT / "seeds" / "jkra-16-301.works.jsonl"])
    catalog.close()
    resolve_article(article, settings)
    return article


def query_result() -> dict:
    return {"query": "FK506", "therapy": "tacrolimus", "ids": {"mesh": "D016559", "drugbank": "DB00864"},
            "classes": ["calcineurin inhibitors"], "suggestions": [], "supports": [
                {"work": "ref:a#12", "label": "Oddis 1999", "doi": "10.1016/S0140-6736(99)01927-9",
                 "title": "Tacrolimus in refractory polymyositis with interstitial lung disease",
                 "best_evidence": "direct", "evidence": [{"evidence": "direct", "articles": ["a"],
                                                          "detail": "title (reference) names 'Tacrolimus'"}],
                 "cited_by": [{"article": "jkra-16-301", "n": 12}, {"article": "second-case", "n": 4}]},
                {"work": "doi:10.1080/08916930500124023", "label": "Takada 2005", "year": 2005,
                 "doi": "10.1080/08916930500124023",
                 "title": "Polymyositis/dermatomyositis and interstitial lung disease: a new therapeutic "
                          "approach with T-cell-specific immunosuppressants", "best_evidence": "class",
                 "evidence": [{"evidence": "class", "detail": "title names the class 'T-cell-specific "
                                                              "immunosuppressants'", "articles": ["a"]}],
                 "cited_by": [{"article": "jkra-16-301", "n": 13}]}]}


def therapies_report() -> dict:
    return {"source": "seeds/jkra-16-301.txt", "therapies": [
        {"name": "tacrolimus", "kind": "drug", "mesh": "D016559", "drugbank": "DB00864",
         "where": ["title", "abstract", "reference 12", "caption"], "doses": ["2 mg/day"],
         "given_in_case": True},
        {"name": "intravenous immunoglobulin", "kind": "drug", "mesh": "D016756", "drugbank": "DB00028",
         "where": ["abstract", "caption"], "doses": ["2 g/kg over 5 days", "0.4 g/kg/day"],
         "given_in_case": True, "route": "intravenous"},
        {"name": "glucocorticoids", "kind": "class", "mesh": "D005938", "where": ["abstract"], "doses": [],
         "given_in_case": False}]}


def outputs(seed: Article, width: int | None) -> dict[str, str]:
    return {"resolve": render.resolve_table(seed, width), "parse": render.article_table(seed, width),
            "query": render.query_table(query_result(), width),
            "therapies": render.therapies_table(therapies_report(), width)}


@pytest.mark.parametrize("width", [40, 59, 60, 80, 100, 140])
def test_no_line_is_wider_than_the_terminal_and_every_doi_is_whole(seed, width):
    piped = outputs(seed, None)
    for name, text in outputs(seed, width).items():
        too_wide = [line for line in text.splitlines() if len(line) > width]
        assert too_wide == [], (name, width, too_wide[:3])
        dois = set(DOI.findall(piped[name]))
        assert dois or name in ("parse", "therapies")
        assert {d for d in dois if d not in text} == set(), (name, width)


def test_identifiers_are_never_split_across_lines(seed):
    for width in (60, 80, 100):
        for text in outputs(seed, width).values():
            for line in text.splitlines():
                assert not re.search(r"10\.\d{4,9}/\S*$", line) or DOI.search(line), line
    assert "mesh:D016559" in render.therapies_table(therapies_report(), 100)


def test_the_resolve_table_at_80_columns_keeps_its_columns(seed):
    lines = render.resolve_table(seed, 80).splitlines()
    assert lines[0] == "seeds/jkra-16-301.txt: 6 matched, 7 unmatched" or lines[0].endswith("unmatched")
    assert re.match(r"\s*n\s+status\s+DOI", lines[1])
    row = next(line for line in lines if "10.1093/rheumatology/kel112" in line)
    assert re.match(r"\s*11\s+matched\s+10\.1093/rheumatology/kel112\s+1\.00$", row)


def test_below_sixty_columns_rows_become_a_list(seed):
    text = render.resolve_table(seed, 50)
    assert "─" not in text
    assert "  DOI: 10.1093/rheumatology/kel112" in text.splitlines()
    assert "11." in text.splitlines()
    text = render.therapies_table(therapies_report(), 40)
    assert "  dose: 2 mg/day" in text.splitlines() and "  status: given" in text.splitlines()


def test_piped_output_has_no_trailing_spaces_and_no_padding(seed):
    for name, text in outputs(seed, None).items():
        lines = text.splitlines()
        assert all(line == line.rstrip() for line in lines), name
        assert max(len(line) for line in lines) < 400
    piped = render.resolve_table(seed, None).splitlines()
    assert sum(1 for line in piped if line.lstrip()[:2].strip().isdigit()) == 13  # one line a reference
    assert not any(len(line) == 140 for line in render.article_table(seed, None).splitlines())


def test_query_table_shows_every_citing_article_and_the_query_alias():
    text = render.query_table(query_result(), 140)
    assert text.startswith("tacrolimus (FK506) mesh:D016559 drugbank:DB00864: 2 supporting works")
    assert "second-case [4]" in text and "jkra-16-301 [12]" in text
    empty = render.query_table({"query": "x", "therapy": "x", "supports": []}, 80)
    assert empty == "x: no cited work supports it in the graph"


def test_therapies_table_keeps_status_dose_and_route_columns():
    lines = render.therapies_table(therapies_report(), 120).splitlines()
    assert re.match(r"name\s+kind\s+status\s+dose\s+route\s+ids\s+where", lines[1])
    text = "\n".join(lines)
    assert text.index("intravenous") < text.index("tacrolimus") < text.index("glucocorticoids")  # given first
    assert re.match(r"intravenous\s+drug\s+given\s+2 g/kg over 5.*intravenous\s+mesh:D016756",
                    lines[3])


def test_unverified_printed_doi_is_shown_and_flagged():
    article = Article(source="x.txt", references=[
        Reference(raw="r", n=1, doi="10.5555/printed.1", match=Match("unmatched", reason="not looked up")),
        Reference(raw="r", n=2, match=Match("matched", "10.5555/found.2", 0.97, reason="validated"),
                  work=Work(doi="10.5555/found.2", pmid="12345678"))])
    text = render.resolve_table(article, 100)
    assert "10.5555/printed.1" in text and "printed DOI" in text
    assert "12345678" in text and "PMID" in text


def test_terminal_width_reads_columns_when_not_a_tty(monkeypatch):
    monkeypatch.setenv("COLUMNS", "77")
    assert render.terminal_width(io.StringIO()) == 77
    monkeypatch.delenv("COLUMNS")
    assert render.terminal_width(io.StringIO()) is None


def test_terminal_width_of_a_real_pseudo_terminal(monkeypatch):
    import fcntl
    import os
    import pty
    import struct
    import termios

    monkeypatch.delenv("COLUMNS", raising=False)
    parent, child = pty.openpty()
    try:
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        with os.fdopen(child, "w", closefd=False) as stream:
            assert render.terminal_width(stream) == 80
    finally:
        os.close(parent)
        os.close(child)


def test_wrap_text_breaks_long_words_but_not_identifiers():
    lines = render.wrap_text("see https://example.org/a/very/long/path/that/goes/on and " + "x" * 30, 20)
    assert "https://example.org/a/very/long/path/that/goes/on" in lines
    assert all(len(line) <= 20 for line in lines if "https" not in line)


@pytest.mark.parametrize("width", [60, 80, 100])
def test_tables_break_no_word_they_can_keep_whole(seed, width):
    texts = {"parse": [r.title or "" for r in seed.references],
             "resolve": [r.match.reason for r in seed.references],
             "query": [s["title"] for s in query_result()["supports"]],
             "therapies": [t["name"] for t in therapies_report()["therapies"]]}
    for name, text in outputs(seed, width).items():
        words = {w for t in texts[name] for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", t)}
        assert words - set(re.findall(r"[A-Za-z][A-Za-z-]{3,}", text)) == set(), (name, width)


def test_retractions_and_corrections_are_flagged_in_the_resolve_table():
    work = Work(doi="10.5555/r.1", updated_by=[{"type": "retraction", "doi": "10.5555/notice.1"}])
    article = Article(source="x.txt", references=[
        Reference(raw="r", n=1, match=Match("matched", "10.5555/r.1", 0.95, reason="validated"), work=work),
        Reference(raw="r", n=2, match=Match("matched", "10.5555/c.2", 0.95, reason="validated"),
                  work=Work(doi="10.5555/c.2"), updates=[{"type": "erratum", "doi": "10.5555/e.2"}])])
    rows = render.resolve_table(article, 100).splitlines()
    assert re.match(r"\s*1\s+matched\s+10\.5555/r\.1\s+0\.95\s+RETRACTED\s+validated$", rows[3])
    assert "CORRECTED" in rows[4]
    assert render.summary_line(article) == "2 matched"
