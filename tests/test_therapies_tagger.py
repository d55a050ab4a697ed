"""The learned chemical-mention tagger: tokens, labels, features, short forms, one reading per
name, and how its spans meet the rules' mentions."""

from __future__ import annotations

from refkit.therapies import chemical_mentions, extract_text, tagger
from refkit.therapies.tagger import RuleSpan


def test_fine_tokens_put_every_annotated_boundary_between_tokens():
    text = "ifosfamide-induced Ca2+ (tacrolimus)."
    assert [t for t, _, _ in tagger.tokenize(text)] == [
        "ifosfamide", "-", "induced", "Ca", "2", "+", "(", "tacrolimus", ")", "."]


def test_labels_and_spans_round_trip():
    text = "alpha-methyldopa and naloxone"
    tokens = tagger.tokenize(text)
    gold = [(0, 16), (21, 29)]
    labels = tagger.labels_from_spans(tokens, gold)
    assert labels == ["B", "I", "I", "O", "B"]
    assert tagger.spans_from_labels(tokens, labels) == gold
    assert tagger.spans_from_labels(tokens, ["I", "I", "I", "O", "O"]) == [(0, 16)]  # I without B opens


def test_features_carry_the_rules_output_and_word_evidence():
    text = "Naloxone reversed it."
    tokens = tagger.tokenize(text)
    features = tagger.token_features(text, tokens, [RuleSpan(0, 8, "vocabulary", "drug", True)])
    first = set(features[0])
    assert {"r=Bc", "rhow=vocabulary", "rkind=drugc", "rstart", "rend", "w=naloxone", "s3=one"} <= first
    assert "r=O" in features[1] and "-1:r=Bc" in features[1]
    assert any(f.startswith("z=") for f in features[1])  # word-frequency bin of "reversed"


def test_short_forms_defined_for_a_tagged_name_are_tagged_everywhere():
    text = "Dexamethasone (dex) raised blood pressure; dex-treated rats and DEX alone."
    found = tagger.defined_short_forms(text, [(0, 13)])
    assert [text[s:e] for s, e in found] == ["dex", "dex"]  # case is kept: DEX is not defined here
    assert tagger.defined_short_forms("Blood pressure (BP) rose.", []) == []


def test_one_reading_per_name_and_document():
    text = "Lithium was given. Lithium levels rose. lithium stopped."
    tokens = tagger.tokenize(text)
    # labelled at one of two occurrences of "Lithium": both; "lithium" is another string
    assert tagger.consistent(text, tokens, [(0, 7)]) == [(0, 7), (19, 26)]
    text = "Salt in the diet. Salt was restricted. Salt intake fell. Salt again."
    tokens = tagger.tokenize(text)
    assert tagger.consistent(text, tokens, [(0, 4)]) == []  # labelled at one of four: none


def test_extraction_uses_the_shipped_tagger_for_chemical_mentions():
    assert tagger.available()
    text = "Naloxone reverses the antihypertensive effect of clonidine in rats."
    spans = {(m.start, m.end) for m in chemical_mentions(extract_text(text))}
    assert spans == {(0, 8), (49, 58)}
    rules = {(m.start, m.end) for m in chemical_mentions(extract_text(text, model=None))}
    assert rules == spans


def test_a_combination_stays_one_therapy_while_its_parts_are_chemical_mentions():
    text = "She was treated with trimethoprim-sulfamethoxazole for 10 days."
    mentions = extract_text(text)
    assert [(m.name, m.mesh) for m in mentions] == [("co-trimoxazole", "D015662")]
    assert chemical_mentions(mentions) == mentions  # the named product, as CDR marks it
    # a pair the vocabulary has no product for: one therapy, two chemical mentions, each with its id
    mentions = extract_text("A high percentage of kanamycin-colistin irrigation was used.")
    assert [m.name for m in mentions] == ["kanamycin-colistin"]
    assert [(m.text, m.mesh) for m in chemical_mentions(mentions)] == [
        ("kanamycin", "D007612"), ("colistin", "D003091")]


def test_short_forms_with_a_bracketed_count_or_a_second_short_form_after_a_slash():
    text = "calcium chloride (CaCl(2))-induced aneurysm; CaCl(2) again."
    found = tagger.defined_short_forms(text, [(0, 16)])
    assert [text[s:e] for s, e in found] == ["CaCl(2)", "CaCl(2)"]
    text = "benzodiazepines (BZDs/RDs) and falls; BZDs were stopped."
    found = tagger.defined_short_forms(text, [(0, 15)])
    assert [text[s:e] for s, e in found] == ["BZDs", "BZDs"]


def test_a_name_inside_a_longer_labelled_name_does_not_vote_against_it():
    text = "Bupropion HCl was infused. Bupropion HCl again. Bupropion HCl once more. Bupropion alone."
    tokens = tagger.tokenize(text)
    salts = [(m, m + 13) for m in (0, 27, 48)]
    alone = (text.rindex("Bupropion"), text.rindex("Bupropion") + 9)
    # "Bupropion" stands alone once, labelled there: the three inside "Bupropion HCl" are parts
    # of those mentions, so it is labelled in all of its own occurrences
    assert tagger.consistent(text, tokens, [*salts, alone]) == [*salts, alone]
