"""Therapy extraction: vocabulary, curated layer, span finder, doses, the seed's gold, CDR scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.therapies import document_text, load_documents, score_documents

from refkit.cli import main
from refkit.parse import read_article
from refkit.therapies import extract_article, extract_text, summarize, therapy_mentions, vocabulary
from refkit.therapies.chemicals import find_names
from refkit.therapies.doses import dose_after

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seeds" / "jkra-16-301.txt"
GOLD = json.loads((ROOT / "seeds" / "jkra-16-301.gold.json").read_text(encoding="utf-8"))["therapies"]
CDR = ROOT / "tests" / "data" / "corpus" / "therapies.jsonl"


@pytest.fixture(scope="module")
def seed_mentions():
    article = read_article(SEED)
    return article, extract_article(article)


def _names(text: str) -> list[str]:
    return [h.concept.name for h in find_names(text)]


# --- vocabulary -------------------------------------------------------------------------------


def test_mesh_ids_are_substances_not_pharmacological_classes():
    vocab = vocabulary()
    assert vocab.lookup("lidocaine").mesh == "D008012"  # the package says D061567 (a class)
    assert vocab.lookup("tacrolimus").mesh == "D016559"  # the package says D065095
    assert vocab.lookup("Trental").name == "pentoxifylline"
    assert vocab.lookup("Trental").mesh == "D010431"


@pytest.mark.parametrize("alias", ["FK506", "FK-506", "Prograf", "tacrolimus", "TACROLIMUS"])
def test_synonyms_and_brands_normalise(alias):
    assert vocabulary().lookup(alias).name == "tacrolimus"


def test_curated_layer_procedures_abbreviations_classes():
    vocab = vocabulary()
    assert vocab.lookup("plasma exchange").kind == "procedure"
    assert vocab.lookup("plasmapheresis").name == "plasma exchange"
    assert vocab.lookup("IVIG").name == "intravenous immune globulin"
    assert vocab.lookup("intravenous immunoglobulin").name == "intravenous immune globulin"
    assert _names("MTX and CsA were stopped; AZA, CYC and MMF followed.") == [
        "methotrexate", "cyclosporine", "azathioprine", "cyclophosphamide", "mycophenolate mofetil"]
    # abbreviations are case-sensitive: "aza" and "mtx" in lower case are not drugs
    assert _names("the aza and mtx words") == []
    tcell = vocab.lookup("T-cell-specific immunosuppressants")
    assert tcell.kind == "class" and {"tacrolimus", "cyclosporine"} <= set(tcell.members)
    assert "calcineurin inhibitors" in vocab.lookup("cyclosporine").classes
    assert "glucocorticoids" in vocab.lookup("prednisolone").classes


def test_everyday_words_are_not_chemicals():
    text = ("The patient was treated in routine care; plasma and serum levels, blood lead, the line and "
            "the baseline were normal. Death occurred in one minor case. Protein intake was adequate.")
    assert find_names(text) == []


# --- span finder ------------------------------------------------------------------------------


def test_offsets_point_into_the_text():
    text = "Ifosfamide-induced toxicity; gentamicin sulfate and sodium nitroprusside (SNP). Post-SNP rise."
    hits = find_names(text)
    assert [text[h.start:h.end] for h in hits] == [
        "Ifosfamide", "gentamicin sulfate", "sodium nitroprusside", "SNP", "SNP"]
    assert all(h.text == text[h.start:h.end] for h in hits)


def test_glued_words_and_misspellings():
    text = "given forCyclosporine and Azathioprin, then vincristin"
    hits = find_names(text)
    assert [(h.text, h.concept.name) for h in hits] == [
        ("Cyclosporine", "cyclosporine"), ("Azathioprin", "azathioprine"), ("vincristin", "vincristine")]
    assert text[hits[0].start:hits[0].end] == "Cyclosporine"


def test_fuzzy_match_is_guarded():
    # one edit from a drug name, but neither a truncation of it nor chemical-looking
    assert _names("The patients were randomised and followed for years.") == []


def test_defined_abbreviations_and_systematic_names():
    text = ("Valproic acid (VPA) and its urea N-(2-propylpentanoyl)urea (VPU) were compared; "
            "VPU was less toxic than VPA. 3-methyladenine (3MA) blocked it; 3MA alone did not.")
    found = [h.text for h in find_names(text)]
    assert found.count("VPA") == 2 and found.count("VPU") == 2 and found.count("3MA") == 2
    assert "N-(2-propylpentanoyl)urea" in found and "3-methyladenine" in found


def test_abbreviation_after_a_non_chemical_is_ignored():
    assert _names("admitted to the intensive care unit (ICU); the ICU staff") == []


def test_regimen_named_by_initials_is_one_mention():
    text = "six cycles of ifosfamide, vincristine, and dactinomycin [IVA] were given"
    assert [h.text for h in find_names(text)] == ["ifosfamide, vincristine, and dactinomycin", "IVA"]


# --- doses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("window, dose", [
    (" (2 mg/day)", "2 mg/day"),
    (" (tapering from 1 mg/kg/day),IVIG", "1 mg/kg/day (tapering)"),
    (" (300 mg, 1 day),", "300 mg, 1 day"),
    (" 850 mg containing", "850 mg"),
    (" (10 mg/week),", "10 mg/week"),
    (" 5 mg daily", "5 mg daily"),
    (" (100", None),
    (" (n = 5) patients", None),
    (" therapy for 2 years", None),
])
def test_dose_after(window, dose):
    assert dose_after(window) == dose


# --- the seed ---------------------------------------------------------------------------------


def test_seed_finds_every_therapy_given_in_the_case(seed_mentions):
    _, mentions = seed_mentions
    given = {t.name for t in summarize(mentions) if t.given_in_case}
    assert set(GOLD["given_in_case"]) <= given


def test_seed_caption_abbreviations_misspelling_and_glued_word(seed_mentions):
    article, mentions = seed_mentions
    caption = [m for m in mentions if m.where == "caption"]
    by_text = {m.text: m for m in caption}
    for short, name in GOLD["caption_abbreviations"].items():
        assert by_text[short].name == name
    assert by_text["Azathioprin"].how == "fuzzy"
    glued = by_text["Cyclosporine"]
    assert glued.name == "cyclosporine" and article.text[glued.start - 3:glued.end] == "forCyclosporine"


def test_seed_doses_match_gold(seed_mentions):
    _, mentions = seed_mentions
    doses = {t.name: t.doses for t in summarize(mentions)}
    for name, dose in GOLD["doses"].items():
        assert dose in doses[name], name


def test_seed_mentions_in_abstract_and_reference_titles(seed_mentions):
    _, mentions = seed_mentions
    vocab = vocabulary()
    abstract = {m.name for m in mentions if m.where == "abstract"}
    assert {vocab.lookup(n).name for n in GOLD["named_in_abstract"]} <= abstract
    in_titles = {m.name for m in mentions if m.ref is not None and m.in_title}
    assert {vocab.lookup(n).name for n in GOLD["named_in_references"]} <= in_titles


def test_seed_offsets_are_file_offsets(seed_mentions):
    article, mentions = seed_mentions
    text = SEED.read_text(encoding="utf-8")
    assert article.text == text
    for m in mentions:
        if m.start is not None:
            assert text[m.start:m.end] == m.text


def test_seed_only_caption_drugs_are_given(seed_mentions):
    _, mentions = seed_mentions
    therapies = {t.name: t for t in summarize(mentions)}
    assert not therapies["rituximab"].given_in_case  # named in a reference title only
    assert not therapies["plasma exchange"].given_in_case


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_on_a_plain_abstract_without_references(tmp_path):
    text = "Lidocaine toxicity. A man given lidocaine 200 mg and adrenaline developed seizures."
    path = tmp_path / "abstract.txt"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["therapies", str(path), "--format", "json", "--refs-dir",
                                       str(tmp_path / "refs")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    spans = [(m["start"], m["end"], m["name"], m["mesh"]) for m in report["mentions"]]
    assert [text[s:e] for s, e, *_ in spans] == ["Lidocaine", "lidocaine", "adrenaline"]
    assert spans[0][2:] == ("lidocaine", "D008012")
    assert report["mentions"][1]["dose"] == "200 mg"
    assert {t["name"] for t in report["therapies"]} == {"lidocaine", "epinephrine"}


def test_cli_table_on_the_seed(tmp_path):
    result = CliRunner().invoke(main, ["therapies", str(SEED), "--refs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "prednisolone" in result.output and "1 mg/kg/day" in result.output


def test_cli_missing_file_is_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["therapies", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "no such file" in result.output


# --- BioCreative V CDR ------------------------------------------------------------------------


def test_cdr_exact_span_precision_and_recall():
    docs = load_documents(CDR)
    score = score_documents(docs, lambda text: [m.to_dict() for m in therapy_mentions(extract_text(text))])
    assert score.precision >= 0.85, score.errors[:20]
    assert score.recall >= 0.85, score.errors[:20]
    assert score.mesh_accuracy >= 0.75


def test_cdr_via_the_cli_offsets(tmp_path):
    doc = load_documents(CDR)[0]
    path = tmp_path / f"{doc['pmid']}.txt"
    path.write_text(document_text(doc), encoding="utf-8")
    result = CliRunner().invoke(main, ["therapies", str(path), "-f", "json", "--refs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    spans = {(m["start"], m["end"]) for m in json.loads(result.output)["mentions"]}
    assert {(c["start"], c["end"]) for c in doc["chemicals"]} <= spans


# --- generalisation: names the big lists hold that are no chemicals ----------------------------


@pytest.mark.parametrize("name", ["SIRT1", "Fgfr1", "IL-10", "TNF-alpha", "HIF-1alpha", "aquaporin-1",
                                  "interleukin-6", "Escherichia coli", "Staphylococcus aureus",
                                  "measles virus", "NK cells", "toll-like receptor 9", "cyclooxygenase-2",
                                  "15-lipoxygenase", "Atlantic cod"])
def test_genes_proteins_organisms_are_not_chemicals(name):
    assert find_names(f"We measured {name} in the samples.") == []


@pytest.mark.parametrize("name", ["CO2", "H2O2", "MK-801", "Sodium oxybate", "Salicylic acid",
                                  "bevacizumab", "fish oil", "interferon beta", "PGF2alpha"])
def test_formulas_codes_salts_antibodies_stay_chemicals(name):
    text = f"{name} was given."
    assert [h.text for h in find_names(text)] == [name]


def test_insulin_in_insulin_receptor_is_the_chemical_not_the_receptor():
    text = "Mice lacking the insulin receptor in fat."
    assert [h.text for h in find_names(text)] == ["insulin"]


def test_surnames_and_journal_titles_in_reference_lists_are_not_drugs():
    text = ("Arima T, Dale GE, Aman, M. G., Santoni V: a study. Acta Diabetol 47:15-22. "
            "J Steroid Biochem Mol Biol 92:221. Tacrolimus, MMF, and steroids were given.")
    assert [h.text for h in find_names(text)] == ["Tacrolimus", "MMF", "steroids"]


def test_short_hyphen_parts_are_not_abbreviation_lookups():
    assert find_names("men reporting same-sex partners") == []


def test_formulas_and_research_codes_found_abbreviations_like_hiv_are_not():
    text = "Rats given MK-801, SP600125, NaCl and CO2; HIV patients in the ICU with H1N1."
    assert [h.text for h in find_names(text)] == ["MK-801", "SP600125", "NaCl", "CO2"]


def test_curated_short_words_are_found_other_short_words_are_not():
    text = "Serum iron, zinc and urea rose; the dala orap word."
    assert [h.text for h in find_names(text)] == ["iron", "zinc", "urea"]


def test_possessive_is_no_part_of_the_name():
    text = "clozapine's effect and Tylenol\u2019s label"
    assert [h.text for h in find_names(text)] == ["clozapine", "Tylenol"]


def test_specific_chemical_classes_are_chemical_mentions():
    text = "Patients on statins or sulfonylureas and thiazides."
    mentions = therapy_mentions(extract_text(text))
    assert [m.text for m in mentions] == ["statins", "sulfonylureas", "thiazides"]


def test_a_drug_with_a_patient_leaflet_stays_a_drug_even_if_a_protein():
    assert [h.text for h in find_names("She received aldesleukin.")] == ["aldesleukin"]


@pytest.mark.parametrize("text", ["apoE4 carriers", "SirT1 activity", "TNFalpha secretion", "A431 cells",
                                  "the retina was normal", "HA\u2013NA interactions", "an elite athlete",
                                  "osteopontin and podoplanin", "thyroid nodules",
                                  "Chlamydia trachomatis - a review"])
def test_protein_symbols_cell_lines_and_everyday_words_are_not_chemicals(text):
    assert find_names(text) == []


def test_drug_ner_brand_spellings_with_a_letter_keep_short_stems():
    assert [h.text for h in find_names("Plasma DHEA-S fell.")] == ["DHEA-S"]


def test_receptor_subtype_brackets_leave_the_chemical():
    assert [h.text for h in find_names("GABA(A) receptors and 5-HT(1A) sites")] == ["GABA", "5-HT"]


def test_a_ruled_out_phrase_hides_the_chemical_inside_it():
    # a protein the vocabulary names whole hides its parts; an enzyme named after its substrate
    # keeps the substrate, as CDR's annotators mark it (creatine in creatine kinase)
    assert [h.text for h in find_names("tissue plasminogen activator rose")] == []
    assert [h.text for h in find_names("Serum creatine kinase rose; creatine was given.")] == [
        "creatine", "creatine"]


def test_common_undefined_abbreviations_and_blood_products():
    text = "Doxorubicin and 5-FU/leucovorin, then AZT and INH; fresh frozen plasma was transfused."
    assert [h.text for h in find_names(text)] == ["Doxorubicin", "5-FU", "leucovorin", "AZT", "INH"]


def test_hormone_classes_are_chemicals_and_an_enzyme_inhibitor_class_hides_its_substrate():
    mentions = therapy_mentions(extract_text("Estrogens, progestins and androgens; an "
                                             "angiotensin-converting enzyme inhibitor, captopril."))
    assert [m.text for m in mentions] == ["Estrogens", "progestins", "androgens", "captopril"]


def test_suspended_hyphen_and_dose_words_are_no_part_of_the_span():
    text = "sirolimus- or paclitaxel-eluting stents, Cl- ions and low-dose aspirin"
    assert [h.text for h in find_names(text)] == ["sirolimus", "paclitaxel", "Cl-", "aspirin"]


@pytest.mark.parametrize(("text", "found"), [("retinoic acid receptor gamma", ["retinoic acid"]),
                                             ("fibroblast growth factor-2", []), ("ephrin-B3", [])])
def test_numbered_and_greek_suffixed_proteins_are_not_chemicals(text, found):
    assert [h.text for h in find_names(text)] == found


def test_radicals_and_chemical_classes_beyond_drugs():
    text = "Reactive oxygen species (ROS) and free radicals; macrolides and organophosphorus pesticides."
    assert [h.text for h in find_names(text)] == [
        "Reactive oxygen species", "ROS", "free radicals", "macrolides", "organophosphorus pesticides"]


def test_only_halides_are_anions():
    text = "Cl- and Na+ rose; Hannich H-, Hirtz P: N- and O- sites"
    assert [h.text for h in find_names(text)] == ["Cl-", "Na+"]


def test_a_protein_named_like_a_chemical_is_not_the_chemical():
    text = "insulin-like growth factor-1 rose; morphine-like effects were seen"
    assert [h.text for h in find_names(text)] == ["morphine"]


def test_a_protein_the_drug_vocabulary_names_whole_hides_its_parts():
    text = "tissue plasminogen activator and urokinase-type plasminogen activator; aldehyde dehydrogenase"
    assert [h.text for h in find_names(text)] == ["aldehyde"]


@pytest.mark.parametrize("formula", ["ZnCl2", "CuSO4", "NaF", "As2O3", "H2S", "N2O", "NH4+", "HCO3-", "Pb2+"])
def test_formulas_and_charged_formulas_are_chemicals_without_the_vocabulary(formula):
    text = f"Rats were treated with {formula} for 3 days."
    assert [h.text for h in find_names(text)] == [formula]


def test_formula_shaped_symbols_that_are_not_chemicals():
    text = "PaO2, PaCO2 and FiO2; BH3 domains, BKCa channels, CBF2, H7N3 virus, P2Y12, CSS10"
    assert find_names(text) == []


def test_symbol_shape_rules_spare_prostaglandins_vitamins_steroids_and_drug_codes():
    text = "PGE2, prostaglandin E2, CPT-11, CoQ10, vitamin B6, estradiol-17beta and exendin-4 but not IL-2"
    assert [h.text for h in find_names(text)] == [
        "PGE2", "prostaglandin E2", "CPT-11", "CoQ10", "vitamin B6", "estradiol-17beta", "exendin-4"]


def test_bare_drugbank_entries_experimental_compounds_stay_extracts_and_organisms_go():
    text = "H-89 and DNQX were applied; ragweed pollen, Atlantic cod and Lactobacillus rhamnosus were not."
    assert [h.text for h in find_names(text)] == ["H-89", "DNQX"]
