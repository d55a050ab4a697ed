"""MeSH ids of mentions: a heading under its own name, and one id for a defined pair."""

from __future__ import annotations

from refkit.therapies import extract_text
from refkit.therapies.vocabulary import Vocabulary, mesh_ids, phrase_key, vocabulary


def _ids(text: str, vocab: Vocabulary | None = None) -> dict[str, str | None]:
    return {m.text: m.mesh for m in extract_text(text, vocab)}


def test_a_heading_under_its_own_name_wins_over_a_derived_singular():
    # Xanthines (the class) would give "xanthine" its id if singulars came first
    assert mesh_ids()[phrase_key("xanthine")][0] == "D019820"
    assert mesh_ids()[phrase_key("xanthines")][0] == "D014970"
    assert mesh_ids()[phrase_key("clavulanic acid")][0] == "D019818"


def test_the_written_name_is_its_own_heading_whatever_the_drug_vocabulary_files_it_under():
    # the drug vocabulary files vitamin D under ergocalciferol (D004872)
    vocab = Vocabulary(lexicon=None)
    assert vocab.own_heading("vitamin D") == "D014807"
    assert vocab.own_heading("vitamins D") is None  # only the heading as spelt
    assert _ids("Vitamin D was given daily.", vocab)["Vitamin D"] == "D014807"


def test_a_long_form_and_its_short_form_share_one_id():
    vocab = vocabulary()
    # the misspelt long form has no id of its own; the short form it defines has one
    text = "Seizure threshold to pentylenetrazol (PTZ) fell; PTZ-induced seizures were shorter."
    found = {m.start: m.mesh for m in extract_text(text, vocab)}
    assert vocab.lookup("pentylenetrazol") is None or vocab.lookup("pentylenetrazol").mesh is None
    ptz = vocab.mesh_for("PTZ")
    assert ptz is not None
    assert found.get(text.index("pentylenetrazol")) == ptz
    assert found.get(text.index("PTZ")) == ptz


def test_two_names_defined_together_each_get_their_short_form():
    # "CPA" alone would be cyclophosphamide, the built-in expansion
    text = ("Cyproterone acetate combined with ethinyl estradiol (CPA/EE) is used. "
            "CPA/EE users had events; CPA alone did not.")
    found = [(m.text, m.name) for m in extract_text(text)]
    assert found.count(("CPA", "cyproterone acetate")) == 3
    assert found.count(("EE", "ethinyl estradiol")) == 2
    assert ("CPA", "cyclophosphamide") not in found
    # a pair whose names are far apart, or in another clause, defines nothing
    text = "Cyclophosphamide was given. Later, ethinyl estradiol (CPA/EE) was started."
    assert not [m for m in extract_text(text) if m.how == "defined-abbreviation"]
