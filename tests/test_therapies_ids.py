"""MeSH ids of mentions: a heading under its own name, supplementary concepts, names bridged
through their substance's other names, and one id for a defined pair."""

from __future__ import annotations

from pathlib import Path

from refkit.therapies import extract_text
from refkit.therapies.vocabulary import (
    Vocabulary,
    chebi_table,
    mesh_id,
    mesh_ids,
    phrase_key,
    read_unii_mesh_ids,
    vocabulary,
)

ROOT = Path(__file__).resolve().parents[1]


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


def test_supplementary_concepts_have_their_c_ids():
    # no descriptor list holds them; the MeSH-ChEBI table does
    vocab = vocabulary()
    assert mesh_id("temsirolimus") == "C401859"
    assert vocab.mesh_for("valdecoxib") == "C406224"
    assert _ids("Valdecoxib 40 mg was given.")["Valdecoxib"] == "C406224"


def test_a_chebi_name_reaches_the_mesh_entry_it_maps_to():
    # MeSH calls C009166 "retinol acetate"; ChEBI calls it "retinyl acetate". The drug vocabulary
    # files the name under vitamin A: the name as written is its own entry all the same
    assert mesh_id("retinol acetate") == "C009166"
    assert mesh_id("retinyl acetate") == "C009166"
    assert _ids("Retinyl acetate was added to the diet.")["Retinyl acetate"] == "C009166"


def test_the_chebi_table_keeps_mesh_names_first_and_drops_shared_chebi_names():
    table = chebi_table([
        "C000001\tfoozamide\tbarzamide",   # ChEBI spells it otherwise
        "C000002\tbarzamide\t",            # a MeSH name: over any ChEBI name of that spelling
        "C000003\tquxol\tshared name",
        "C000004\tquxol dimer\tshared name",  # one ChEBI name, two MeSH entries: evidence for neither
    ])
    assert table[phrase_key("foozamide")] == ("C000001", True)
    assert table[phrase_key("barzamide")] == ("C000002", True)
    assert phrase_key("shared name") not in table


def test_a_name_takes_the_mesh_id_of_its_unii_substance(tmp_path):
    names = tmp_path / "UNII_Names.txt"
    names.write_text("Name\tTYPE\tUNII\tDisplay Name\n"
                     "ZORBLATRIN\tcn\tUNII00001\tNITROGLYCERIN\n"
                     "NITROGLYCERIN [USP-RS]\tcn\tUNII00001\tNITROGLYCERIN\n"  # the source tag is no part
                     "ZRB\tcd\tUNII00001\tNITROGLYCERIN\n"  # a short code: many substances share such
                     "QUUXOLINE\tcn\tUNII00002\tQUUXOLINE\n"  # no name of it in MeSH
                     "TWOFOLD NAME\tcn\tUNII00003\tAMMONIA\n"
                     "AMMONIA\tof\tUNII00003\tAMMONIA\n"
                     "TWOFOLD NAME\tcn\tUNII00004\tGLUCOSE\n"  # one name, two substances: neither
                     "GLUCOSE\tof\tUNII00004\tGLUCOSE\n", encoding="utf-8")
    ids = read_unii_mesh_ids(names)
    assert ids[phrase_key("zorblatrin")] == "D005996"  # Nitroglycerin
    assert phrase_key("ZRB") not in ids
    assert phrase_key("quuxoline") not in ids
    assert phrase_key("twofold name") not in ids
    assert ids[phrase_key("ammonia")] == "D000641"


def test_other_names_of_a_substance_bridge_to_its_heading():
    vocab = vocabulary()
    assert vocab.mesh_for("glyceryl trinitrate") == "D005996"  # Nitroglycerin, through UNII
    assert vocab.mesh_for("metrazol") == "D010433"  # Pentylenetetrazole
    assert vocab.mesh_for("iron dextran") == "D007505"  # Iron-Dextran Complex
    text = "Glyceryl trinitrate (GTN) patches were applied; GTN was stopped after a week."
    found = [(m.text, m.mesh) for m in extract_text(text)]
    assert ("Glyceryl trinitrate", "D005996") in found
    assert found.count(("GTN", "D005996")) == 2


def test_a_short_form_defined_for_a_name_takes_that_names_own_id_throughout():
    # the drug vocabulary files retinyl acetate under vitamin A; the written-out name is its own
    # MeSH entry, and the short form the text defines for it is that entry too, each time
    text = "Rats were fed retinyl acetate (RA) for a month. RA raised the liver retinol content."
    found = [(m.text, m.mesh) for m in extract_text(text)]
    assert ("retinyl acetate", "C009166") in found
    assert found.count(("RA", "C009166")) == 2


def test_the_mesh_chebi_table_is_built_from_chebi_mappings_only(tmp_path):
    import importlib.util

    script = ROOT / "scripts" / "build_mesh_table.py"
    spec = importlib.util.spec_from_file_location("build_mesh_table", script)
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    mappings, ambiguous, out = tmp_path / "m.tsv", tmp_path / "a.tsv", tmp_path / "out.tsv"
    mappings.write_text("MESH\tC000001\tfoozamide\tCHEBI\tCHEBI:1\tbar-zamide\n"
                        "MESH\tC000002\tquxol\tCHEBI\tCHEBI:2\tQuxol\n"  # the same name, folded
                        "MESH\tD000003\tsome gene\tHGNC\t3\tSOME1\n", encoding="utf-8")  # no chemical
    ambiguous.write_text("MESH\tC000004\tquxamide\tCHEBI\tCHEBI:4\tquxamide anion\n", encoding="utf-8")
    assert builder.build_chebi(mappings, ambiguous, out) == 3
    assert out.read_text(encoding="utf-8").splitlines() == [
        "C000001\tfoozamide\tbar-zamide", "C000002\tquxol\t", "C000004\tquxamide\t"]
