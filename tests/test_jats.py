"""JATS XML input: front matter, captions, structured and mixed citations, unsafe and broken XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from refkit.errors import RefkitError
from refkit.parse import parse_article, read_article
from refkit.parse.jats import looks_like_xml, parse_jats

JATS = Path(__file__).resolve().parent / "data" / "jats"


@pytest.fixture(scope="module")
def case_report():
    return read_article(JATS / "case-report.xml")


def test_front_matter(case_report):
    a = case_report
    assert a.title == "A Case of Resistant Polymyositis That Was Successfully Treated with Tacrolimus"
    authors = [(x.family, x.given) for x in a.authors]  # the editor is not an author
    assert authors == [("Ahn", "Joong Kyong"), ("Song", "Jae-Hun"), ("Hwang", "J")]
    where = (a.journal, a.volume, a.issue, a.first_page, a.year)
    assert where == ("J Korean Rheum Assoc", "16", "4", "301", 2009)  # ppub year before epub
    assert a.doi == "10.4078/jkra.2009.16.4.301"
    assert a.abstract.startswith("Polymyositis is one form") and "with tacrolimus, the disease" in a.abstract
    assert "methotrexate 15 mg weekly" in a.body
    assert "Minimal infiltration" not in a.body  # captions are read apart


def test_captions(case_report):
    fig, table = case_report.captions
    assert (fig.label, fig.image) == ("Fig. 1", "jkra-16-301f1.tif")
    assert fig.text == "Minimal infiltration of inflammatory cells (H&E stain, ×400)."
    assert fig.start is None  # the XML holds it with markup (&amp;): no verbatim offset to give
    assert (table.label, table.text) == ("Table 1", "Laboratory findings")
    assert case_report.text[table.start : table.start + len(table.text)] == table.text


def test_element_citation_fields_come_from_the_tags(case_report):
    ref = case_report.references[0]
    assert ref.n == 1
    assert [(x.family, x.given) for x in ref.authors] == [("Dalakas", "MC"), ("Hohlfeld", "R")]
    assert (ref.title, ref.journal) == ("Polymyositis and dermatomyositis", "Lancet")
    assert (ref.year, ref.volume) == (2003, "362")
    assert (ref.first_page, ref.last_page) == ("971", "982")  # lpage 82 expanded
    assert (ref.doi, ref.pmid) == ("10.1016/S0140-6736(03)14368-1", "14511932")
    assert ref.raw.startswith("Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis. Lancet.")


def test_tagged_mixed_citation_keeps_its_printed_text(case_report):
    ref = case_report.references[1]
    assert ref.raw == ("Drake LA, Dinehart SM, et al. Guidelines of care for dermatomyositis. "
                       "J Am Acad Dermatol. 1996;34:824–9.")
    assert ref.et_al is True
    assert [x.family for x in ref.authors] == ["Drake", "Dinehart"]
    assert (ref.journal, ref.year) == ("J Am Acad Dermatol", 1996)
    assert (ref.first_page, ref.last_page) == ("824", "829")


def test_untagged_citation_goes_to_the_reference_parser(case_report):
    ref = case_report.references[2]
    assert ref.n == 3
    assert ref.title == "Rituximab as therapy for refractory polymyositis and dermatomyositis"
    assert [x.family for x in ref.authors] == ["Noss", "Hausner-Sypek", "Weinblatt"]
    assert (ref.journal, ref.year, ref.volume, ref.last_page) == ("J Rheumatol", 2006, "33", "1026")


def test_book_with_group_author(case_report):
    ref = case_report.references[3]
    assert ref.authors[0].group and ref.authors[0].family == "American College of Rheumatology"
    assert (ref.title, ref.journal, ref.year) == ("Guidelines for the management of myositis", None, 2010)


def test_xml_content_is_detected_without_the_file_suffix():
    text = (JATS / "case-report.xml").read_text(encoding="utf-8")
    assert looks_like_xml(text) and not looks_like_xml("References\n1. Smith A. <b>x</b>")
    assert len(parse_article(text).references) == 4


@pytest.mark.parametrize(("name", "message"), [
    ("malformed.xml", "is malformed XML"),
    ("entities.xml", "refusing to expand"),
    ("external.xml", "refusing to expand"),
    ("no-refs.xml", "no reference section found"),
])
def test_bad_xml_is_one_clear_error(name, message):
    with pytest.raises(RefkitError, match=message) as err:
        read_article(JATS / name)
    assert "\n" not in str(err.value)


def test_common_named_entities_without_the_dtd():
    xml = ('<?xml version="1.0"?><article><front><article-meta><title-group><article-title>'
           "Myositis&nbsp;&ndash; a case &amp; review</article-title></title-group></article-meta></front>"
           "<back><ref-list><ref><label>1</label><mixed-citation>Dalakas MC. Polymyositis. Lancet. 2003;"
           "362:971&ndash;82.</mixed-citation></ref></ref-list></back></article>")
    article = parse_jats(xml)
    assert article.title == "Myositis \u2013 a case & review"
    assert article.references[0].last_page == "982"


def test_xml_that_is_not_an_article():
    with pytest.raises(RefkitError, match="not a JATS article"):
        parse_jats('<?xml version="1.0"?><html><body/></html>', source="page.xml")


def test_no_ref_list_is_a_warning_for_the_library():
    article = parse_jats((JATS / "no-refs.xml").read_text(encoding="utf-8"))
    assert article.title == "A note without references"
    assert article.references == [] and article.warnings
