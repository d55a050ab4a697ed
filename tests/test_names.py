"""The author-list parser."""

from __future__ import annotations

import pytest

from refkit.model import Author
from refkit.parse.names import parse_author_block, parse_authors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dalakas MC, Hohlfeld R", [("Dalakas", "MC"), ("Hohlfeld", "R")]),
        ("Senécal JL", [("Senécal", "JL")]),
        ("Fuligni, A. J.", [("Fuligni", "AJ")]),
        ("Ozer, E. J., Cantor, J. P., & Moret, L.", [("Ozer", "EJ"), ("Cantor", "JP"), ("Moret", "L")]),
        ("M. Suwalsky, K. Oyarce, C.P. Sotomayor", [("Suwalsky", "M"), ("Oyarce", "K"), ("Sotomayor", "CP")]),
        ("A Ruhe, R Fejer, BF Walker", [("Ruhe", "A"), ("Fejer", "R"), ("Walker", "BF")]),
        ("Rafferty, Matthew", [("Rafferty", "Matthew")]),
        ("Eisenberg, Rebecca S.", [("Eisenberg", "Rebecca S")]),
        ("Monga S.; Pediaditakis P.; Mule K.", [("Monga", "S"), ("Pediaditakis", "P"), ("Mule", "K")]),
        (
            "de Haan S, van der Schaaf IC, Van Buskirk HA",
            [("de Haan", "S"), ("van der Schaaf", "IC"), ("Van Buskirk", "HA")],
        ),
        (
            "Moran-Gates T, O'Brien LA, McIntosh JM",
            [("Moran-Gates", "T"), ("O'Brien", "LA"), ("McIntosh", "JM")],
        ),
        ("Borgerhoff Mulder, M.", [("Borgerhoff Mulder", "M")]),
        ("VAN DER HEIJDEN M, JORIS PX", [("VAN DER HEIJDEN", "M"), ("JORIS", "PX")]),
        ("PERRY AML, Shinde K", [("PERRY", "AML"), ("Shinde", "K")]),
        ("ARREDONDO DE ARREOLA HP", [("ARREDONDO DE ARREOLA", "HP")]),
        ("Kaelin WG Jr, Smith J", [("Kaelin", "WG"), ("Smith", "J")]),
        ("Leong, J.-A. C.", [("Leong", "J-AC")]),
        ("Smith J and Jones K", [("Smith", "J"), ("Jones", "K")]),
    ],
)
def test_author_lists(text, expected):
    authors, et_al = parse_authors(text)
    assert [(a.family, a.given) for a in authors] == expected
    assert not et_al


@pytest.mark.parametrize("tail", [", et al.", " et al", ", et al:", " and others", ", et al.,"])
def test_et_al(tail):
    authors, et_al = parse_authors("Drake LA, Dinehart SM" + tail)
    assert et_al and authors == [Author("Drake", "LA"), Author("Dinehart", "SM")]


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis.", "Polymyositis"),
        ("Martin LB, Wikelski M (2006) Phytohemagglutinin-induced", "(2006)"),
        ("Kim S, Suh YH: Alpha-synuclein induces", ": Alpha"),
        ("A Ruhe, BF Walker, The test-retest reliability", ", The test"),
        ("Fuligni, A. J. (1998). Authority", "(1998)"),
    ],
)
def test_block_ends_before_the_title(text, rest):
    _, _, end = parse_author_block(text)
    assert text[end:].lstrip(" .").startswith(rest)


def test_no_names_at_start():
    assert parse_author_block("The role of phloem loading reconsidered.") == ([], False, 0)


def test_pathological_names_do_not_backtrack_forever():
    authors, _ = parse_authors("Choi DS, Nedeljkovic´SSNedeljkovic´Nedeljkovic´SS" * 50)
    assert authors[0] == Author("Choi", "DS")


def test_two_letter_given_and_full_given_names_do_not_swallow_the_next_author():
    authors, _ = parse_authors("Meinen C, Leuschner Ch, Ryan NT, Hertel D")
    assert [(a.family, a.given) for a in authors] == [
        ("Meinen", "C"),
        ("Leuschner", "Ch"),
        ("Ryan", "NT"),
        ("Hertel", "D"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Marinos C. Dalakas, Reinhard Hohlfeld. Polymyositis.",
         [("Dalakas", "Marinos C"), ("Hohlfeld", "Reinhard")]),
        ("Wei Okunaka, John B. Barriga and Mary Lee. Title.",
         [("Okunaka", "Wei"), ("Barriga", "John B"), ("Lee", "Mary")]),
        ("Dalakas, Marinos, John Barriga, and Mary Lee. \u201cTitle.\u201d",
         [("Dalakas", "Marinos"), ("Barriga", "John"), ("Lee", "Mary")]),
        ("Laura T. Hickling. Traumatic brain injury. Brain Inj.", [("Hickling", "Laura T")]),
    ],
)
def test_given_names_first_when_the_whole_list_reads_so(text, expected):
    authors, _, end = parse_author_block(text)
    assert [(a.family, a.given) for a in authors] == expected
    assert text[end:].lstrip(" ").startswith((".", "\u201c"))


@pytest.mark.parametrize(
    "text",
    ["Fidler BM, Bukiya HA. Erratum: Managing health.", "Gevins J. Correction: High-resolution EEG.",
     "Prilusky G. FoldIndex. Bioinformatics."],
)
def test_family_and_initials_are_not_read_as_given_names_first(text):
    authors, _, _ = parse_author_block(text)
    assert authors[0].family == text.split()[0]
    assert len(authors[0].given) <= 2


def test_a_title_case_title_is_no_given_name_first():
    authors, _, end = parse_author_block("Primary Lung Cancer Producing Alpha-Fetoprotein. Ann Thorac Surg.")
    assert authors == [] and end == 0
