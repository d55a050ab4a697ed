"""The sequence labeller (the rules' fallback): tokens, labels, and what it fills in."""

from __future__ import annotations

import pytest

from refkit.parse import crf
from refkit.parse.reference import parse_reference

pytestmark = pytest.mark.skipif(not crf.available(), reason="model or python-crfsuite missing")


def test_tokens_keep_offsets_and_split_letters_from_digits():
    tokens = crf.tokenize("Torlakovic1994 “A title”. Lancet 362:971–82")
    assert [t for t, _, _ in tokens][:4] == ["Torlakovic", "1994", "“", "A"]
    assert all("Torlakovic1994 “A title”. Lancet 362:971–82"[s:e] == t for t, s, e in tokens)


def test_labels_of_a_plain_reference():
    labels = {tok: lab for tok, _, _, lab in crf.label(
        "Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis. Lancet. 2003;362:971-82.")}
    assert (labels["Dalakas"], labels["Polymyositis"], labels["Lancet"]) == ("AUTHOR", "TITLE", "JOURNAL")
    assert (labels["2003"], labels["362"], labels["971"]) == ("YEAR", "VOLUME", "PAGES")


def test_the_labeller_fills_what_the_rules_leave_empty():
    # pages with no volume: no source-block form of the rules reads them
    text = "Ivens C, Zhang L. 2007. TGF-beta receptor-mediated albumin uptake. Brain. 535–547."
    ref = parse_reference(text)
    assert (ref.journal, ref.first_page, ref.last_page) == ("Brain", "535", "547")
    assert any(w.startswith("read by the sequence labeller") for w in ref.warnings)
    # a volume run into its first page is the rules' now (the range's shape splits it)
    ref = parse_reference(text.replace("Brain. 535", "Brain. 130535"))
    assert (ref.journal, ref.volume, ref.first_page, ref.last_page) == ("Brain", "130", "535", "547")
    assert not any(w.startswith("read by the sequence labeller") for w in ref.warnings)
    # what the rules read is kept
    ref = parse_reference("Dalakas MC, Hohlfeld R. Polymyositis. Lancet. 2003;362:971-82.")
    assert not any(w.startswith("read by the sequence labeller") for w in ref.warnings)
