"""Article segmentation of pasted text: header, abstract, captions, reference section, items, residue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.fields import title_printed
from support.pages import FIELDS, score_pages, seed_differences

from refkit import parse_article as top_level_parse_article
from refkit.parse import parse_article, read_article

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "jkra-16-301.txt"
SEED_GOLD = ROOT / "seeds" / "jkra-16-301.gold.json"

REFS = [
    "Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis. Lancet. 2003; 362:971–82.",
    "Bohan A, Peter JB. Polymyositis and dermatomyositis (second of two parts). N Engl J Med. 1975; "
    "292:403–7.",
    "Noss EH, Hausner-Sypek DL, Weinblatt ME. Rituximab as therapy for refractory polymyositis and "
    "dermatomyositis. J Rheumatol. 2006; 33:1021–6.",
]


def page(references: str, heading: str = "References", tail: str = "\nTOOLS\nSimilar articles\n") -> str:
    return (
        "Journal List > Case Rep Med > v.20; 2023 > 1774790\n\nCase Report\n\nAbstract\n"
        "We describe a patient.\n\n" + heading + "\n" + references + "\n" + tail
    )


# --- the project's acceptance tests -------------------------------------------------------

def test_seed_matches_gold_exactly():
    article = read_article(SEED)
    gold = json.loads(SEED_GOLD.read_text(encoding="utf-8"))
    assert seed_differences(article, gold) == []


@pytest.fixture(scope="module")
def corpus_score():
    return score_pages()


def test_corpus_pages_reference_count_raw_and_links_exact(corpus_score):
    assert corpus_score.pages == 40
    assert corpus_score.pages_count_exact == corpus_score.pages
    assert corpus_score.found == corpus_score.references
    assert corpus_score.raw_accuracy == 1.0
    assert corpus_score.links_accuracy == 1.0


@pytest.mark.parametrize("name", FIELDS)
def test_corpus_pages_field_accuracy(corpus_score, name):
    assert corpus_score.scored[name] > 0
    assert corpus_score.accuracy(name) >= 0.95, f"{name}: {corpus_score.accuracy(name):.3f}"


def test_titles_are_scored_where_the_string_prints_them_whole(corpus_score):
    # Record titles that lost italic words cannot come from the string; they are few.
    assert corpus_score.scored["title"] >= 0.9 * corpus_score.scored["title_strict"]
    assert title_printed("Dalakas MC. Polymyositis and dermatomyositis.", "Polymyositis and dermatomyositis")
    assert title_printed("Smith A. Is it sepsis? BMJ 2001;1:1.", "Is it sepsis?")
    assert title_printed('A B, "Risk of HIV/ AIDS," J. 1, 2 (2001).', "Risk of HIV/AIDS")
    assert title_printed("Lee K (2001) Wrapped over a PDF\nline break. J Biol 1:2-3",
                         "Wrapped over a PDF line break")
    assert not title_printed("Yang B (2007) Transcriptional profiling of canola (Brassica napus) responses.",
                             "Transcriptional profiling of canola (")
    assert not title_printed("Yang DL (2003) Tapetum1 is required for cell specialization in the anther.",
                             "is required for cell specialization in the")


# --- header --------------------------------------------------------------------------------

def test_seed_header_abstract_and_captions():
    text = SEED.read_text(encoding="utf-8")
    article = parse_article(text)
    assert article.journal == "J Korean Rheum Assoc"
    assert (article.volume, article.issue, article.first_page) == ("16", "4", "301")
    assert [a.family for a in article.authors] == ["Ahn", "Song", "Hwang", "Yoo", "Kim", "Kim"]
    assert all(a.given is None for a in article.authors)
    assert article.title.startswith("A Case of Resistant Polymyositis")
    assert article.abstract.startswith("Polymyositis is one form")
    assert article.abstract.endswith("many years.")
    assert text.find(article.abstract) > 0  # a verbatim slice: callers can locate it
    assert [c.label for c in article.captions] == ["Fig. 1", "Fig. 2"]
    assert [c.image for c in article.captions] == ["jkra-16-301f1.tif", "jkra-16-301f2.tif"]
    for caption in article.captions:
        assert text[caption.start : caption.start + len(caption.text)] == caption.text
    assert "Tacrolimus (2 mg/day)" in article.captions[1].text


def test_breadcrumb_with_year_and_no_issue():
    article = parse_article(page("1. " + REFS[0]))
    header = (article.journal, article.volume, article.issue, article.year)
    assert header == ("Case Rep Med", "20", None, 2023)


@pytest.mark.parametrize(("crumb", "expected"), [
    ("Journal List > J Korean Rheum Assoc > v.16(4) > 1003689", ("J Korean Rheum Assoc", "16", "4", None)),
    ("Journal List > Case Rep Med > v.16(4); 2009 Dec > 1", ("Case Rep Med", "16", "4", 2009)),
    ("Home > Journals > Ann Rheum Dis > Volume 62(9) > 12", ("Ann Rheum Dis", "62", "9", None)),
    ("Journal List > Case Rep Med > 2023 > 1774790", ("Case Rep Med", None, None, None)),
])
def test_breadcrumb_forms(crumb, expected):
    article = parse_article(crumb + "\n\nReferences\n1. " + REFS[0] + "\n")
    assert (article.journal, article.volume, article.issue, article.year) == expected


def test_first_page_comes_from_image_name_only_when_nothing_else_gives_it():
    text = page("1. " + REFS[0], tail="\nFigure 2\nCT of the chest.\ncrm-20-1187g2.jpg\n")
    article = parse_article(text)
    assert article.first_page == "1187"
    assert article.captions[0].label == "Figure 2"
    cited = "J Korean Rheum Assoc. 2009 Dec;16(4):299-305.\n" + text
    assert parse_article(cited).first_page == "299"


def test_caption_offsets_survive_crlf_line_breaks():
    text = page("1. " + REFS[0], tail="\nFig. 1.\nBiopsy (H&E, ×400).\nx-1-5f1.tif\n").replace("\n", "\r\n")
    article = parse_article(text)
    caption = article.captions[0]
    assert caption.text == "Biopsy (H&E, ×400)."
    assert text[caption.start : caption.start + len(caption.text)] == caption.text
    assert article.references[0].raw == REFS[0]


# --- the reference section -----------------------------------------------------------------

@pytest.mark.parametrize("heading", [
    "References", "REFERENCES", "Literature Cited", "Bibliography", "Works Cited", "Notes and References",
    "References and Notes", "Reference List", "5. References", "References:", "LITERATURE CITED", "Sources",
    "Cited Literature", "REFERENCES:", "Cited Works", "Sources Cited", "References.",
])
def test_reference_headings(heading):
    refs = "\n".join(f"{i}. {r}" for i, r in enumerate(REFS, 1))
    article = parse_article(page(refs, heading))
    assert [r.raw for r in article.references] == REFS


@pytest.mark.parametrize("style", ["{n}. ", "{n}) ", "[{n}] ", "({n}) ", "{n}\t", "{n} ", "{n}.\t", " {n}. ",
                                   "{n} - ", "{n} \u2013 ", "[{n}]\t", "{n}.\n", "{n}. - ", "{n}.\n\n",
                                   "{n}.\u00a0", "\u00a0[{n}]\u00a0", "{n}\u00a0"])
def test_numbering_styles(style):
    refs = "\n".join(style.format(n=i) + r for i, r in enumerate(REFS, 1))
    article = parse_article(page(refs))
    assert [(r.n, r.raw) for r in article.references] == list(enumerate(REFS, 1))


def test_numbers_alone_on_their_lines():
    refs = f"[1]\n{REFS[0]}\ncrossref\n[2]\n{REFS[1]}\n[3]\n{REFS[2]}\n"
    article = parse_article(page(refs))
    assert [r.raw for r in article.references] == REFS
    assert [r.links for r in article.references] == [["crossref"], [], []]


def test_residue_lines_and_inline_residue_become_links_in_order():
    refs = (f"1. {REFS[0]}\ncrossref\n2. {REFS[1]} [PubMed] [Google Scholar]\n"
            f"3. {REFS[2]}\nArticle | CAS | PubMed\nWeb of Science\n")
    article = parse_article(page(refs))
    assert [r.raw for r in article.references] == REFS
    assert [r.links for r in article.references] == [
        ["crossref"], ["PubMed", "Google Scholar"], ["Article", "CAS", "PubMed", "Web of Science"]]


def test_a_line_break_ends_a_label_and_new_labels_are_residue():
    refs = (f"1. {REFS[0]}\nGoogle Scholar\nCrossref Full Text\n2. {REFS[1]}\nFind at\nOpenURL\n\n"
            f"3. {REFS[2]}\nView Article\nPubMed Central\nEurope PMC\n")
    article = parse_article(page(refs, "References and Notes", "Back to top\nDownload PDF\nCite\nMetrics\n"))
    assert [r.raw for r in article.references] == REFS
    assert [r.links for r in article.references] == [
        ["Google Scholar", "Crossref Full Text"], ["Find at", "OpenURL"],
        ["View Article", "PubMed Central", "Europe PMC"]]


def test_a_label_never_runs_across_a_bracket_or_bar():
    refs = (f"1. {REFS[0]} [PubMed Central] [Full Text]\n"
            f"2. {REFS[1]}\nPubMed Central | Full Text | CrossRef\n3. {REFS[2]}\n")
    article = parse_article(page(refs))
    assert [r.raw for r in article.references] == REFS
    assert [r.links for r in article.references] == [
        ["PubMed Central", "Full Text"], ["PubMed Central", "Full Text", "CrossRef"], []]


@pytest.mark.parametrize("labels", [
    ["View PDF", "View article", "View in Scopus", "Google Scholar"],
    ["Cited Here", "View Full Text", "PubMed", "CrossRef"],
    ["View at:", "Publisher Site", "Google Scholar"],
])
def test_publisher_link_labels_are_residue(labels):
    refs = "".join(f"{i}. {r}\n{' | '.join(labels)}\n" for i, r in enumerate(REFS, 1))
    article = parse_article(page(refs))
    assert [r.raw for r in article.references] == REFS
    assert [r.links for r in article.references] == [labels] * 3


@pytest.mark.parametrize("prose", ["How to cite this article", "Anyone you share this link with reads it:"])
def test_page_text_right_after_the_last_reference_is_not_part_of_it(prose):
    refs = "\n".join(f"{i}. {r}" for i, r in enumerate(REFS, 1))
    article = parse_article(page(refs, tail=f"{prose}\nSmith J. Some case. J Foo 2020;1:2.\n"))
    assert [r.raw for r in article.references] == REFS


def test_notes_after_the_last_reference_stay_in_it():
    refs = "\n".join(f"{i}. {r}" for i, r in enumerate(REFS, 1))
    article = parse_article(page(refs + "\nEpub 2006 Mar 2. Erratum in: J Rheumatol. 2006;33:1500."))
    assert article.references[-1].raw == REFS[-1] + " Epub 2006 Mar 2. Erratum in: J Rheumatol. 2006;33:1500."


def test_zero_width_spaces_and_a_byte_order_mark_are_ignored():
    zwsp = "\u200b"
    refs = "\n".join(f"{i}.{zwsp} " + r.replace(". ", f".{zwsp} ") for i, r in enumerate(REFS, 1))
    article = parse_article("\ufeff" + page(refs, heading="\u200bReferences"))
    assert [r.raw for r in article.references] == REFS


def test_a_label_wrapped_over_two_lines_stays_one_label():
    refs = f"1. {REFS[0]}\nGoogle\nScholar\n2. {REFS[1]}\n3. {REFS[2]}\n"
    article = parse_article(page(refs))
    assert [r.links for r in article.references] == [["Google Scholar"], [], []]


def test_an_unknown_label_between_references_is_residue_not_text():
    refs = f"1. {REFS[0]}\nOvid\nPubMed\n2. {REFS[1]}\nOvid Full Text\n3. {REFS[2]}\n"
    article = parse_article(page(refs))
    assert [r.raw for r in article.references] == REFS
    assert [r.links for r in article.references] == [["Ovid", "PubMed"], ["Ovid Full Text"], []]


def test_bracketed_words_that_belong_to_the_reference_stay():
    ref = "Kim H. Myositis in Korea [in Korean]. J Korean Rheum Assoc. 2001;8:1-5 [abstract]"
    article = parse_article(page("1. " + ref + " [PubMed]"))
    assert article.references[0].raw == ref
    assert article.references[0].links == ["PubMed"]


def test_wrapped_items_are_joined_on_one_line():
    refs = ("1. Dalakas MC, Hohlfeld R. Polymyositis and\n   dermatomyositis. Lancet. 2003; 362:971–82.\n"
            "2. Bohan A, Peter JB. Polymyositis and dermatomyositis (second of two parts).\n"
            "N Engl J Med. 1975;\n292:403–7.\ncrossref\n"
            "3. Noss EH, Hausner-\nSypek DL, Weinblatt ME. Rituximab as therapy for refractory\n"
            "polymyositis and\n"
            "dermatomyositis. J Rheumatol. 2006; 33:1021–6.")
    article = parse_article(page(refs))
    assert [r.raw for r in article.references] == REFS
    assert [r.links for r in article.references] == [[], ["crossref"], []]


@pytest.mark.parametrize("tail", [
    "\nTOOLS\nSimilar articles\n", "Go to:\nArticle information\n", "Support Center\nFollow NCBI\n",
    "Articles from Case Reports in Medicine are provided here courtesy of Hindawi\n",
    "Copyright © 2023 The Authors.\n", "\nFootnotes\nConflict of interest: none.\n",
    "Fig. 1.\nChest radiograph.\nabc-1-9f1.jpg\n", "\nCited by other articles\nShare\n",
])
def test_page_furniture_never_leaks_into_the_last_reference(tail):
    refs = "\n".join(f"{i}. {r}" for i, r in enumerate(REFS, 1))
    article = parse_article(page(refs, tail=tail))
    assert [r.raw for r in article.references] == REFS
    assert all(r.links == [] for r in article.references)


def test_a_lone_heading_word_or_widget_inside_the_list_does_not_end_it():
    refs = ("1. Smith A. Outcome of cancer\nTreatment\nin adults. Lancet. 2001;1:1-2.\nGo to:\n"
            "2. Jones B. Another study. BMJ. 2002;2:3-4.\ncrossref\n\nFootnotes\n1. A footnote.\n")
    article = parse_article(page(refs, tail=""))
    assert [(r.n, r.raw, r.links) for r in article.references] == [
        (1, "Smith A. Outcome of cancer Treatment in adults. Lancet. 2001;1:1-2.", []),
        (2, "Jones B. Another study. BMJ. 2002;2:3-4.", ["crossref"]),
    ]


def test_numbered_lists_in_the_body_are_not_references():
    body = ("Case presentation\n1. Prednisone 60 mg daily from 2019.\n2. Methotrexate 15 mg weekly.\n"
            "3. Tacrolimus 2 mg/day since 2020.\n\n")
    refs = "\n".join(f"{i}. {r}" for i, r in enumerate(REFS, 1))
    for heading in ("References", "Sources", "Go to:\nWorks Cited"):
        text = page(refs, heading=heading).replace("Abstract\n", body + "Abstract\n", 1)
        article = parse_article(text)
        assert [r.raw for r in article.references] == REFS


def test_numbering_must_continue_so_a_wrapped_number_is_not_an_item():
    refs = ("1. Smith A. Outcomes in a cohort of\n45 patients with myositis. Lancet. 2001;1:1-2.\n"
            "2. Jones B. Another study. BMJ. 2002;2:3-4.")
    article = parse_article(page(refs))
    assert [r.n for r in article.references] == [1, 2]
    assert article.references[0].raw == ("Smith A. Outcomes in a cohort of 45 patients with myositis. "
                                         "Lancet. 2001;1:1-2.")


def test_a_line_wrapped_before_the_next_number_stays_in_its_item():
    refs = ("1. Smith A. Trends in maternal mortality towards Millennium Development Goal\n"
            "2. Lancet. 2010;375:1609-23.\n2. Jones B. Another study. BMJ. 2002;2:3-4.")
    article = parse_article(page(refs))
    assert [(r.n, r.raw) for r in article.references] == [
        (1, "Smith A. Trends in maternal mortality towards Millennium Development Goal 2. Lancet. "
            "2010;375:1609-23."),
        (2, "Jones B. Another study. BMJ. 2002;2:3-4."),
    ]


def test_a_list_without_heading_is_found_by_its_numbering_with_a_warning():
    refs = "\n".join(f"{i}. {r}" for i, r in enumerate(REFS, 1))
    article = parse_article("A case report.\n\n" + refs + "\n")
    assert [r.raw for r in article.references] == REFS
    assert any("no reference heading" in w for w in article.warnings)


def test_no_reference_section_is_a_warning_not_an_exception():
    article = parse_article("Case report\n\nAbstract\nA patient with myositis.\n")
    assert article.references == []
    assert "no reference section found" in article.warnings


def test_an_absurdly_long_line_is_skipped_with_a_warning():
    refs = "\n".join(f"{i}. {r}" for i, r in enumerate(REFS, 1))
    text = "x" * 2_000_000 + "\n" + page(refs)
    article = parse_article(text)
    assert [r.raw for r in article.references] == REFS
    assert any("characters long" in w for w in article.warnings)
    single = parse_article("1. " + "a " * 1_000_000)
    assert single.references == []


def test_library_entry_point_forwards_to_the_parser():
    article = top_level_parse_article(page("1. " + REFS[0]), source="x.txt")
    assert article.source == "x.txt"
    assert article.references[0].n == 1
    assert article.to_dict()["references"][0]["raw"] == REFS[0]


def test_plain_trailing_residue_and_counted_heading():
    refs = f"1. {REFS[0]} PubMed | Google Scholar\n2. {REFS[1]} Abstract\n"
    article = parse_article(page(refs, heading="References (2)"))
    assert article.references[0].raw == REFS[0]
    assert article.references[0].links == ["PubMed", "Google Scholar"]
    assert article.references[1].raw == REFS[1] + " Abstract"  # a lone weak word may be the reference's own


def test_a_wrapped_issue_number_is_not_an_item_and_wrapped_link_words_stay_text():
    refs = ("(1) Smith A (2003) Spectra of compounds. Rapid Commun Mass Spectrom 17\n(11):1163-1168\n"
            "(2) Kunin V, Goodwin L. A phylogeny-driven genomic encyclopaedia. Nature 2009; 462:1056-1060.\n"
            "PubMed\ndoi:\ncrossref\n(3) Jones B. Another study. BMJ. 2002;2:3-4.")
    article = parse_article(page(refs))
    assert [r.n for r in article.references] == [1, 2, 3]
    assert article.references[0].raw.endswith("Spectrom 17 (11):1163-1168")
    assert article.references[1].raw.endswith("462:1056-1060. PubMed doi:")
    assert article.references[1].links == ["crossref"]


def _variant(gold: dict, rnd) -> tuple[str, dict[int, list[str]]]:
    """A corpus page re-laid with another heading, numbering, residue, wrapping and furniture."""
    import textwrap

    heading = rnd.choice(["Works Cited", "REFERENCES AND NOTES", "Cited Literature", "Reference List",
                          "References (45)", "Bibliography", "4. REFERENCES"])
    style = rnd.choice(["{n}. ", "{n}) ", "[{n}] ", "({n}) ", "{n}\t", "{n} "])
    residues = [["Crossref"], ["Article", "CAS", "PubMed", "Google Scholar"], ["Web of Science"], ["Scopus"],
                ["PubMed", "Google Scholar"], ["PMC free article"], ["Medline"], ["Full Text"]]
    mode = rnd.choice(["lines", "brackets", "plain"])
    width = rnd.choice([0, 60, 90])
    out = ["Journal List > Case Rep Med > v.3(2); 2011 > 12345", "", "Case presentation",
           "1. Prednisone 60 mg daily in 2019.", "2. Tacrolimus 2 mg/day in 2020.", "", heading]
    links: dict[int, list[str]] = {}
    for ref in gold["references"]:
        words = rnd.choice(residues) if rnd.random() < 0.5 else []
        if mode == "plain" and words == ["Full Text"]:
            words = []
        line = style.format(n=ref["n"]) + ref["raw"]
        if words and mode == "brackets":
            line += " " + " ".join(f"[{w}]" for w in words)
        elif words and mode == "plain":
            line += " " + " | ".join(words)
        out.extend(textwrap.wrap(line, width, expand_tabs=False) if width else [line])
        if words and mode == "lines":
            out.extend(words)
        links[ref["n"]] = words
    out.extend(rnd.choice([["Support Center", "Follow NCBI"], ["", "Go to:", "Share"], ["Related articles"],
                           ["Articles from X are provided here courtesy of Y"],
                           ["Fig. 1.", "CT scan.", "a-1-2f1.tif"]]))
    return "\n".join(out), links


def test_page_variants_with_unseen_headings_numbering_residue_and_furniture():
    import random

    rnd = random.Random(20231125)
    golds = [json.loads(p.read_text(encoding="utf-8"))
             for p in sorted((ROOT / "tests/data/corpus/pages").glob("*.json"))]
    wrong = []
    for _ in range(60):
        gold = rnd.choice(golds)
        text, links = _variant(gold, rnd)
        article = parse_article(text)
        got = [(r.n, r.raw, r.links) for r in article.references]
        want = [(g["n"], g["raw"], links[g["n"]]) for g in gold["references"]]
        if got != want:
            wrong.append(next((g, w) for g, w in zip(got + [None] * len(want), want, strict=False) if g != w))
    assert wrong == []
