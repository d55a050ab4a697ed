"""General mechanisms for names: brand names that are everyday words, abbreviations the text
defines, combination products, boundaries, the CDR name table, no shared mutable state."""

from __future__ import annotations

import importlib

import pytest

from refkit.therapies import chemicals, vocabulary
from refkit.therapies.chemicals import find_names
from refkit.therapies.vocabulary import LEXICON, Vocabulary, is_common_word, read_lexicon


def _found(text: str) -> list[tuple[str, str]]:
    return [(h.text, h.concept.name) for h in find_names(text)]


def test_probe_of_the_20000_most_common_english_words_finds_no_brand_or_borrowed_name():
    """Each word alone in a sentence without drug context: only words that are a substance's
    own name (oxygen, cocaine, insulin, silver) may come out, never a brand (Headline →
    pyraclostrobin) or another name (Armour → thyroid)."""
    wordfreq = pytest.importorskip("wordfreq")
    words = [w for w in wordfreq.top_n_list("en", 20000) if w.isalpha()]
    text = " ".join(f"The {w} was noted." for w in words)
    found = find_names(text)
    borrowed = {h.text for h in found if h.concept.name_type == "brand" or h.concept.needs_context}
    # a street name stays only where CDR's annotators marked it a chemical (ecstasy)
    vouched = {e.text for e in read_lexicon(LEXICON).values() if e.chemical}
    assert borrowed <= vouched
    assert {"headline", "milestone", "turbine", "frontline", "armour", "patrol"}.isdisjoint(
        h.text.casefold() for h in found)
    assert {"oxygen", "cocaine", "insulin"} <= {h.text for h in found}  # own names stay


@pytest.mark.parametrize("word", ["Headline", "Milestone", "Frontline"])
def test_a_brand_that_is_an_everyday_word_needs_drug_context(word):
    assert find_names(f"The {word} of the study was clear.") == []
    hits = find_names(f"The field was treated with {word} 200 mg twice.")
    assert [h.text for h in hits] == [word]
    assert hits[0].concept.name_type == "brand"


def test_common_words_come_from_wordfreq():
    assert is_common_word("headline") and is_common_word("milestones")
    assert not is_common_word("tacrolimus")


def test_abbreviation_defined_in_the_text_overrides_the_built_in_one():
    assert _found("CPA and MTX were given.")[0] == ("CPA", "cyclophosphamide")
    text = "Cyproterone acetate (CPA) was given for 6 months; CPA was then stopped."
    assert [name for _, name in _found(text)] == ["cyproterone acetate"] * 3
    # defined as something that is no chemical: CPA names no drug in that text
    text = "Chronic pulmonary aspergillosis (CPA) was diagnosed; CPA worsened on MTX."
    assert _found(text) == [("MTX", "methotrexate")]


def test_lower_case_abbreviation_defined_in_the_text():
    text = "puromycin aminonucleoside (pan) was injected; pan caused proteinuria"
    assert [t for t, _ in _found(text)].count("pan") == 0  # "pan" is an everyday word
    text = "All-trans retinoic acid (atra) was given, and atra levels rose."
    assert [name for t, name in _found(text) if t == "atra"] == [_found(text)[0][1]] * 2


def test_combination_products_are_one_therapy():
    text = "She took trimethoprim-sulfamethoxazole, then TMP-SMX, then Bactrim."
    assert [name for _, name in _found(text)] == ["co-trimoxazole"] * 3
    assert find_names("trimethoprim-sulfamethoxazole")[0].concept.mesh == "D015662"
    assert vocabulary().lookup("co-trimoxazole").name == "co-trimoxazole"


@pytest.mark.parametrize(("text", "spans"), [
    ("Ifosfamide-induced encephalopathy", ["Ifosfamide"]),
    ("renal failure (tacrolimus).", ["tacrolimus"]),
    ("3,4-dihydroxyphenylacetic acid and gamma-aminobutyric acid rose",
     ["3,4-dihydroxyphenylacetic acid", "gamma-aminobutyric acid"]),
    ("cyclosporin A and vitamin A", ["cyclosporin A", "vitamin A"]),
    ("desipramine HCl and gentamicin sulfate", ["desipramine HCl", "gentamicin sulfate"]),
    ("L-dopa and d,l-amphetamine", ["L-dopa", "d,l-amphetamine"]),
    ("ethinyl estradiol-induced cholestasis and kainic acid-treated mice",
     ["ethinyl estradiol", "kainic acid"]),
])
def test_boundaries(text, spans):
    assert [h.text for h in find_names(text)] == spans


def test_the_cdr_table_gives_supplementary_concept_ids_and_votes():
    table = read_lexicon(LEXICON)
    assert len(table) > 500
    assert any(e.mesh and e.mesh.startswith("C") for e in table.values())  # supplementary concepts
    vocab = vocabulary()
    assert vocab.lookup("argatroban").mesh.startswith("C")  # a supplementary concept, not a class


def test_a_table_left_out_changes_what_is_found():
    bare = Vocabulary(lexicon=None)
    full = vocabulary()
    voted = [e for e in read_lexicon(LEXICON).values()
             if e.ruled_out and " " not in e.text and len(e.text) > 4]
    assert any(bare.lookup(e.text) is not None and full.lookup(e.text) is None for e in voted)


def test_lookups_never_change_shared_concepts():
    vocab = vocabulary()
    first = vocab.lookup("prednisolone")
    classes = list(first.classes)
    vocab.lookup("Headline")
    vocab.lookup("PDS")
    assert vocab.lookup("prednisolone").classes == classes
    assert not hasattr(chemicals, "_FUZZY")  # the fuzzy index lives on its vocabulary


def test_one_home_for_ion_words():
    assert chemicals.ION_WORDS is importlib.import_module("refkit.therapies.vocabulary").ION_WORDS


def test_research_codes_are_compounds_cell_lines_years_and_trials_are_not():
    bare = Vocabulary(lexicon=None)  # the shape rule alone, without the CDR table
    text = ("NRA0160 and LY274614 were given, then GR 55562; HEK293 cells, the CD133 receptor, "
            "in May 2005, on Day 100.")
    assert [h.text for h in find_names(text, bare)] == ["NRA0160", "LY274614", "GR 55562"]
