"""Score chemical mention extraction on BioCreative V CDR abstracts (exact spans, MeSH ids).

    python bench/score_therapies.py [CORPUS.jsonl] [--errors] [--probe] [--hold-out K]

The default corpus is CDR development (``tests/data/cdr/development.jsonl``), never used to
build or tune anything. ``--hold-out K`` scores the fifth of CDR *train* whose PMIDs are ``K``
mod 5 with a CDR name table and a chemical tagger built without it
(``scripts/build_cdr_names.py --hold-out K`` and ``scripts/train_chemical_tagger.py --without K``
are run into temporary files first, about a minute), the honest check of what they learnt.

Runs the same extraction as ``refkit therapies FILE --format json`` on each
``title + " " + abstract`` and prints precision, recall, F1 and MeSH id accuracy, next to
the drug-named-entity-recognition package used alone (the vocabulary refkit builds on).
``--probe`` also runs the extractor over text with no chemical gold (the reference titles of
``refs.jsonl`` and the pages' text) and lists every distinct mention with its count, for
reading false positives by eye.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.therapies import held_out, load_documents, score_documents

from refkit.therapies import chemical_mentions, extract_text, therapy_mentions
from refkit.therapies.tagger import MODEL
from refkit.therapies.vocabulary import Vocabulary

ROOT = Path(__file__).parent.parent
DEFAULT = ROOT / "tests" / "data" / "cdr" / "development.jsonl"
TRAIN = ROOT / "tests" / "data" / "cdr" / "train.jsonl"


def refkit_mentions(text: str, vocab: Vocabulary | None = None, model: Path = MODEL) -> list[dict]:
    return [m.to_dict() for m in chemical_mentions(extract_text(text, vocab, model=model))]


def package_mentions(text: str) -> list[dict]:
    """drug-named-entity-recognition alone: whitespace tokens, exact mode, offsets recovered."""
    import re

    from drug_named_entity_recognition import find_drugs

    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[\w\-']+", text)]
    out = []
    for data, first, last in find_drugs([t[2] for t in tokens]):
        out.append({"start": tokens[first][0], "end": tokens[last - 1][1], "mesh": data.get("mesh_id")})
    return out


def mesh_causes(errors: list[dict]) -> Counter[str]:
    """Wrong ids split by what would have fixed them: no id at all, or a wrong one; a gold
    supplementary concept (C…) or descriptor (D…); a found descriptor of a later MeSH edition
    (ten-character ids, D000066… on) than the one CDR's annotators used."""
    causes: Counter[str] = Counter()
    for e in errors:
        if e["kind"] != "mesh":
            continue
        gold = "gold C" if e["gold"].startswith("C") else "gold D"
        if e["found"] is None:
            causes[f"no id ({gold})"] += 1
        elif len(e["found"]) == 10:
            causes[f"later-edition descriptor ({gold})"] += 1
        else:
            causes[f"another id ({gold})"] += 1
    return causes


def probe(corpus: Path) -> None:
    """Distinct mentions over text without chemical gold: most frequent first."""
    import json

    texts = [(json.loads(line).get("gold") or {}).get("title") or ""
             for line in (corpus / "refs.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((corpus / "pages").glob("*.txt"))]
    counts = Counter((m.text, m.how) for t in texts for m in therapy_mentions(extract_text(t)))
    print(f"probe: {sum(counts.values())} mentions, {len(counts)} distinct, {len(texts)} texts")
    for (text, how), n in counts.most_common():
        print(f"{n:4d}  {text}  ({how})")


def main(argv: list[str]) -> None:
    positional = [a for i, a in enumerate(argv) if not a.startswith("-") and argv[i - 1] != "--hold-out"]
    path = Path(positional[0]) if positional else DEFAULT
    docs = load_documents(path)
    extract = refkit_mentions
    if "--hold-out" in argv:
        import subprocess
        import tempfile

        k = int(argv[argv.index("--hold-out") + 1])
        docs = [d for d in load_documents(TRAIN) if held_out(d, k)]
        table = Path(tempfile.mkdtemp()) / "cdr_names.tsv"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_cdr_names.py"), "--hold-out", str(k),
                        "--out", str(table)], check=True)
        model = table.parent / "chemical_tagger.crf"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "train_chemical_tagger.py"),
                        "--without", str(k),
                        "--out", str(model)], check=True)
        vocab = Vocabulary(table)
        print(f"held-out fifth {k} of CDR train: {len(docs)} abstracts, table and tagger built without them")

        def extract(text: str) -> list[dict]:
            return refkit_mentions(text, vocab, model)
    for label, run in (("drug-named-entity-recognition alone", package_mentions),
                       ("refkit therapies", extract)):
        started = time.perf_counter()
        score = score_documents(docs, run)
        took = time.perf_counter() - started
        print(f"{label:38s} P {score.precision:.3f}  R {score.recall:.3f}  F1 {score.f1:.3f}  "
              f"MeSH {score.mesh_accuracy:.3f}  (tp {score.tp}, fp {score.fp}, fn {score.fn}; "
              f"{len(docs)} abstracts, {took:.1f} s)")
    if "--errors" in argv:
        for kind in ("fp", "fn"):
            counts = Counter(e["text"] for e in score.errors if e["kind"] == kind)
            print(kind, ", ".join(f"{t} ×{n}" for t, n in counts.most_common()))
        ids = Counter(f"{e['text']} {e['found']}≠{e['gold']}" for e in score.errors if e["kind"] == "mesh")
        print("mesh", ", ".join(f"{t} ×{n}" for t, n in ids.most_common()))
        causes = mesh_causes(score.errors)
        print("mesh errors by cause:", ", ".join(f"{cause} {n}" for cause, n in causes.most_common()))
    if "--probe" in argv:
        probe(ROOT / "tests" / "data" / "corpus")


if __name__ == "__main__":
    main(sys.argv[1:])
