"""Train the chemical-mention tagger (refkit/therapies/data/chemical_tagger.crf) on CDR train.

    python scripts/train_chemical_tagger.py [--out PATH] [--hold-out K ...] [--iterations N]

Training data: BioCreative V CDR *train* (``tests/data/cdr/train.jsonl``, 500 abstracts); the
development set is never read here. Each abstract's tokens get the gold B/I/O labels and the
features of :mod:`refkit.therapies.tagger`, among them the rules' output. The rules read the CDR
name table (``scripts/build_cdr_names.py``), which is learnt from train itself; so that the model
does not learn to trust a table that has already seen the abstract, the rules' output for an
abstract in fifth *j* (PMID mod 5) comes from a table built without fifth *j* (cross-fitting).

``--without K`` writes a model trained without fifth K (the same way), for scoring fifth K end
to end (``bench/score_therapies.py --hold-out K``, which also ids the mentions).

``--hold-out K`` (repeatable) measures instead of shipping: it trains on the four other fifths
(their rule features from tables built without both their own fifth and K), tags fifth K with
the table built without K, and prints exact-span precision and recall per fifth and pooled.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

import pycrfsuite  # noqa: E402  (a development tool here; refkit loads it only to tag)
from build_cdr_names import table_text  # noqa: E402
from support.therapies import document_text, load_documents  # noqa: E402

from refkit.therapies import tagger  # noqa: E402
from refkit.therapies.extraction import extract_text, rule_spans  # noqa: E402
from refkit.therapies.vocabulary import Vocabulary  # noqa: E402

TRAIN = ROOT / "tests" / "data" / "cdr" / "train.jsonl"
FOLDS = 5
PARAMS = {"c1": 0.05, "c2": 0.01, "feature.possible_transitions": True, "feature.minfreq": 1}


def fifth(doc: dict) -> int:
    return int(doc["pmid"]) % FOLDS


class Tables:
    """CDR name tables built without some fifths of train, each built once."""

    def __init__(self, docs: list[dict]) -> None:
        self.docs = docs
        self.dir = Path(tempfile.mkdtemp(prefix="cdr-tables-"))
        self._vocab: dict[frozenset[int], Vocabulary] = {}

    def without(self, *folds: int) -> Vocabulary:
        key = frozenset(folds)
        if key not in self._vocab:
            path = self.dir / ("without-" + "-".join(map(str, sorted(key))) + ".tsv")
            path.write_text(table_text([d for d in self.docs if fifth(d) not in key]), encoding="utf-8")
            self._vocab[key] = Vocabulary(path)
        return self._vocab[key]


def example(doc: dict, vocab: Vocabulary) -> tuple[list[list[str]], list[str]]:
    text = document_text(doc)
    tokens = tagger.tokenize(text)
    rules = rule_spans(extract_text(text, vocab, model=None))
    gold = [(c["start"], c["end"]) for c in doc["chemicals"]]
    return tagger.token_features(text, tokens, rules), tagger.labels_from_spans(tokens, gold)


def train(examples: list[tuple[list[list[str]], list[str]]], out: Path, iterations: int,
          params: dict | None = None) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for xs, ys in examples:
        trainer.append(xs, ys)
    trainer.set_params({**PARAMS, **(params or {}), "max_iterations": iterations})
    trainer.train(str(out))


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=tagger.MODEL)
    ap.add_argument("--hold-out", type=int, action="append", default=[])
    ap.add_argument("--without", type=int, default=None,
                    help="ship a model trained without fifth K (to score K with bench/score_therapies.py)")
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--c1", type=float, default=PARAMS["c1"], help="L1 penalty")
    ap.add_argument("--c2", type=float, default=PARAMS["c2"], help="L2 penalty")
    ap.add_argument("--errors", action="store_true", help="list the held-out misses and false spans")
    args = ap.parse_args(argv)
    docs = load_documents(TRAIN)
    tables = Tables(docs)
    started = time.perf_counter()
    if not args.hold_out:
        left_out = () if args.without is None else (args.without,)
        examples = [example(d, tables.without(fifth(d), *left_out)) for d in docs if fifth(d) not in left_out]
        train(examples, args.out, args.iterations, {"c1": args.c1, "c2": args.c2})
        print(f"{args.out}: {len(examples)} abstracts, {args.out.stat().st_size / 1e6:.2f} MB, "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
        return
    tp = fp = fn = 0
    for k in args.hold_out:
        examples = [example(d, tables.without(fifth(d), k)) for d in docs if fifth(d) != k]
        model = tables.dir / f"tagger-without-{k}.crf"
        train(examples, model, args.iterations, {"c1": args.c1, "c2": args.c2})
        vocab = tables.without(k)
        ftp = ffp = ffn = 0
        for d in docs:
            if fifth(d) != k:
                continue
            text = document_text(d)
            found = set(tagger.chemical_spans(text, rule_spans(extract_text(text, vocab, model=None)), model))
            gold = {(c["start"], c["end"]) for c in d["chemicals"]}
            ftp, ffp, ffn = ftp + len(found & gold), ffp + len(found - gold), ffn + len(gold - found)
            if args.errors:
                for kind, spans in (("fp", found - gold), ("fn", gold - found)):
                    for s, e in sorted(spans):
                        print(kind, repr(text[s:e]), "|", text[max(0, s - 30):e + 30].replace("\n", " "))
        print(f"fifth {k}: P {ftp / max(ftp + ffp, 1):.3f} R {ftp / max(ftp + ffn, 1):.3f} "
              f"(tp {ftp}, fp {ffp}, fn {ffn}; {time.perf_counter() - started:.0f} s)", file=sys.stderr)
        tp, fp, fn = tp + ftp, fp + ffp, fn + ffn
    print(f"held out, pooled: P {tp / max(tp + fp, 1):.3f} R {tp / max(tp + fn, 1):.3f} "
          f"F1 {2 * tp / max(2 * tp + fp + fn, 1):.3f} (tp {tp}, fp {fp}, fn {fn})")

if __name__ == "__main__":
    main(sys.argv[1:])
