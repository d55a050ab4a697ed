"""Abbreviations the text defines (refkit.therapies.abbreviations): the first token of the
bracket, a bracket that goes on, single-letter initials, and a name followed by its dose."""

from __future__ import annotations

import pytest

from refkit.therapies import chemical_mentions, extract_text, tagger
from refkit.therapies.abbreviations import is_initial, plausible_short_form, short_form_after
from refkit.therapies.chemicals import find_names


def _short(text: str, long: str) -> str | None:
    m = short_form_after(text, text.index(long) + len(long))
    return m.group(1) if m else None


@pytest.mark.parametrize(("text", "short", "closed"), [
    ("ketamine (KET) was given", "KET", True),
    ("ketamine (KET: 10 mg/kg/day) was given", "KET", False),
    ("ketamine (KET; 10 mg/kg) was given", "KET", False),
    ("ketamine (KET, 10 mg/kg, i.p.) was given", "KET", False),
    ("ketamine (KET 10 mg/kg, every other day) was given", "KET", False),
    ("ketamine (KET/XYL) was given", "KET", True),
])
def test_the_short_form_is_the_first_token_of_the_bracket(text, short, closed):
    m = short_form_after(text, len("ketamine"))
    assert m is not None and m.group(1) == short
    assert (m.group("closed") is not None) == closed


@pytest.mark.parametrize("text", [
    "ketamine (PEG 400) was given",  # a number without a unit is part of the name
    "ketamine (10 mg/kg) was given",  # a dose, no short form
    "ketamine (see below) was given",
])
def test_no_short_form_where_the_bracket_does_not_start_with_one(text):
    assert _short(text, "ketamine") is None


def test_plausible_short_forms():
    assert plausible_short_form("KET", "ketamine")
    assert plausible_short_form("SNP", "nitroprusside")  # capitals from another name, bracket closed
    assert not plausible_short_form("CAS", "N-nitroso-N-methylurea", closed=False)  # a label: CAS: 684-93-5
    assert plausible_short_form("NMU", "N-nitroso-N-methylurea", closed=False)  # its letters spell it
    assert is_initial("T", "testosterone") and plausible_short_form("T", "testosterone")
    assert not is_initial("A", "testosterone") and not is_initial("t", "testosterone")
    assert not is_initial("I", "insulin")  # a roman numeral numbers things


def test_a_definition_followed_by_a_dose_defines_the_short_form_everywhere():
    text = ("Rats received ketamine (KET: 10 mg/kg/day) or lidocaine (LID, 5 mg/kg). "
            "KET alone and KET + LID were compared.")
    hits = [(h.text, h.concept.name) for h in find_names(text)]
    assert hits.count(("KET", "ketamine")) == 3 and hits.count(("LID", "lidocaine")) == 2


def test_a_name_then_its_dose_is_no_spaced_research_code():
    text = "Rats were given fenfluramine (FEN 100 mg/kg, every other day); FEN-treated rats moved less."
    hits = [(h.text, h.concept.name, h.how) for h in find_names(text)]
    assert "FEN 100" not in [t for t, _, _ in hits]
    assert [t for t, _, _ in hits].count("FEN") == 2
    code = find_names("The antagonist GR 55562 (1 microg/side) was injected.")
    assert [h.text for h in code] == ["GR 55562"]


def test_a_single_capital_is_a_short_form_only_after_a_substance_whose_initial_it_is():
    text = "Serum testosterone (T) was measured; T fell in T-treated rats."
    hits = [(h.text, h.concept.name) for h in find_names(text)]
    assert hits.count(("T", "testosterone")) == 3
    # not the initial of the name before it, or no substance before it: no definition
    assert [h.text for h in find_names("Serum testosterone (C) was measured; C fell.")] == ["testosterone"]
    assert "C" not in [h.text for h in find_names("Controls (C) received saline; C rats gained weight.")]


def test_the_tagger_step_takes_single_capitals_and_brackets_that_go_on():
    text = "Rats received testosterone (T, 5 mg/kg) and ketamine (KET: 10 mg/kg). T and KET were given."
    spans = [(text.index("testosterone"), text.index("testosterone") + 12),
             (text.index("ketamine"), text.index("ketamine") + 8)]
    found = {text[s:e] for s, e in tagger.defined_short_forms(text, spans)}
    assert found == {"T", "KET"}
    mentions = [m.text for m in chemical_mentions(extract_text(text))]
    assert mentions.count("T") == 2 and mentions.count("KET") == 2


def test_a_short_form_may_begin_with_locants():
    text = "the neurotoxin 5,7-dihydroxytryptamine (5,7-DHT) was injected; 5,7-DHT lesions followed."
    assert _short(text, "5,7-dihydroxytryptamine") == "5,7-DHT"
    assert [h.text for h in find_names(text)].count("5,7-DHT") == 2
    # doses are no locants: the first token is a number, no short form
    assert _short("pentoxifylline (0, 7.5, or 15 mg/kg) was given", "pentoxifylline") == "0"
    assert not plausible_short_form("0", "pentoxifylline", closed=False)
