"""The reference parser's steps, each on its own: a Draft in, the Draft that step leaves out."""

from __future__ import annotations

import unicodedata

from refkit.model import Reference
from refkit.parse import reference as steps
from refkit.parse.reference import STEPS, Draft


def _draft(text: str) -> Draft:
    return Draft(Reference(raw=text), text)


def _run(text: str, *names: str) -> Draft:
    d = _draft(text)
    for name in names:
        getattr(steps, name)(d)
    return d


def test_the_pipeline_is_cleaning_then_fields():
    names = [s.__name__ for s in STEPS]
    assert names.index("drop_trailing_notes") < names.index("read_authors")
    assert names.index("take_ids") < names.index("read_source_block")  # a DOI is never read as pages
    assert names[-1] == "warn_missing"


def test_normalise_characters():
    d = _run(unicodedata.normalize("NFD", "Senécal\u200b JL.\r\nTitle"), "normalise_characters")
    assert d.text == "Senécal JL.\nTitle" and len(d.text) == 17  # composed: é is one character


def test_drop_leading_number():
    for text in ("[8] Dalakas MC", "8. Dalakas MC", "8\tDalakas MC", "8 Dalakas MC"):
        assert _run(text, "drop_leading_number").text == "Dalakas MC"
    assert _run("2017 European League", "drop_leading_number").text == "2017 European League"


def test_take_link_residue_and_ids():
    text = "Smith J. Title. Lancet 2003;362:971-82. doi:10.1016/x.y [PubMed]"
    d = _run(text, "take_link_residue", "take_ids")
    assert d.ref.links == ["PubMed"]
    assert d.ref.doi == "10.1016/x.y"
    assert "10.1016" not in d.text and "PubMed" not in d.text


def test_take_in_press_and_trailing_notes():
    d = _run("Smith J. Title. J Foo (in press)", "take_in_press")
    assert d.in_press and d.text == "Smith J. Title. J Foo"
    d = _run("Smith J. Title. Lancet 2003;362:971-82. IF: 5,895", "drop_trailing_notes")
    assert d.text == "Smith J. Title. Lancet 2003;362:971-82"


def test_read_authors_then_head_year():
    d = _run("Fuligni, A. J. (1998). Title. J 10:88-95", "read_authors", "read_head_year")
    assert [a.family for a in d.ref.authors] == ["Fuligni"]
    assert d.year == 1998 and d.text[d.start :].startswith("Title")
    d = _run("Lundberg IE. 2017 European League criteria. Ann 2017;76:1-5.", "read_authors", "read_head_year")
    assert d.head_year is None and d.text[d.start :].startswith("2017 European")


def test_source_block_then_fields():
    d = _run("Smith J. Title. Lancet 2003;362:971-82.", "read_authors", "read_head_year", "read_source_block",
             "read_source_fields")
    assert (d.ref.volume, d.ref.first_page, d.ref.last_page, d.year) == ("362", "971", "982", 2003)
    assert d.middle == "Title. Lancet"


def test_without_source_block_the_later_steps_are_skipped():
    d = _run("Cools, K. (2009). Striatal dopamine. J Neurosci.", "read_authors", "read_head_year",
             "read_source_block", "read_without_source_block")
    assert d.done and (d.ref.title, d.ref.journal, d.ref.year) == ("Striatal dopamine", "J Neurosci", 2009)


def test_drop_repeated_date_and_title_journal():
    d = _draft("")
    d.middle, d.year = "Cellular mechanisms. Nat Neurosci. 2000.", 2000
    steps.drop_repeated_date(d)
    steps.read_title_and_journal(d)
    assert (d.ref.title, d.ref.journal) == ("Cellular mechanisms", "Nat Neurosci")
    d = _draft("")
    d.middle = "Nephrol Dial Transplant"
    steps.read_title_and_journal(d)
    assert (d.ref.title, d.ref.journal) == (None, "Nephrol Dial Transplant")
