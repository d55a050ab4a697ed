"""Build ``refkit/therapies/data/cdr_names.tsv``: what BioCreative V CDR's annotators did with
each name, learned from the training abstracts (``tests/data/cdr/train.jsonl``).

    python scripts/build_cdr_names.py [--out PATH] [--hold-out K]

For every name the gold marks, and every name refkit's vocabulary finds where the gold marks
nothing, the table keeps how often it was marked a chemical (``annotated``) and how often it
stood unmarked (``unmarked``), and the MeSH id (descriptor or supplementary ``C`` id) the
annotators gave it most often. The vocabulary reads it back (:class:`Vocabulary`) as a vote:
a name marked at least as often as not is a chemical, one seen unmarked at least twice and
marked less often than not is not; the id normalises the name.

``--hold-out K`` leaves out every abstract whose PMID is ``K`` mod 5 (one fifth of train), so
that split can be scored honestly (``bench/score_therapies.py --hold-out K``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.therapies import document_text, held_out, load_documents  # noqa: E402

from refkit.therapies.chemicals import find_names  # noqa: E402
from refkit.therapies.vocabulary import Vocabulary, lexicon_key  # noqa: E402

TRAIN = ROOT / "tests" / "data" / "cdr" / "train.jsonl"
OUT = ROOT / "refkit" / "therapies" / "data" / "cdr_names.tsv"


def table_text(docs: list[dict]) -> str:
    """The table (TSV with a header) learnt from ``docs``."""
    vocab = Vocabulary(lexicon=None)  # what the vocabulary finds without the table
    annotated: Counter[str] = Counter()
    unmarked: Counter[str] = Counter()
    ids: dict[str, Counter[str]] = defaultdict(Counter)
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        text = document_text(doc)
        gold = {(c["start"], c["end"]) for c in doc["chemicals"]}
        for c in doc["chemicals"]:
            key = lexicon_key(c["text"])
            annotated[key] += 1
            surface[key][c["text"]] += 1
            for mesh in (c.get("mesh") or "-1").split("|")[:1]:
                if mesh != "-1":
                    ids[key][mesh] += 1
        for hit in find_names(text, vocab):
            if (hit.start, hit.end) not in gold and not any(s <= hit.start < e for s, e in gold):
                key = lexicon_key(hit.text)
                unmarked[key] += 1
                surface[key][hit.text] += 1
    rows = []
    for key in sorted(set(annotated) | set(unmarked)):
        mesh = ids[key].most_common(1)[0][0] if ids[key] else ""
        rows.append(f"{key}\t{surface[key].most_common(1)[0][0]}\t{mesh}\t{annotated[key]}\t{unmarked[key]}")
    return "key\ttext\tmesh\tannotated\tunmarked\n" + "\n".join(rows) + "\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--hold-out", type=int, default=None)
    args = parser.parse_args(argv)
    docs = load_documents(TRAIN)
    if args.hold_out is not None:
        docs = [d for d in docs if not held_out(d, args.hold_out)]
    table = table_text(docs)
    args.out.write_text(table, encoding="utf-8")
    print(f"{args.out}: {table.count(chr(10)) - 1} names from {len(docs)} abstracts", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
