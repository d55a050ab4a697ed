"""Print per-field accuracy of parse_reference on tests/data/corpus/refs.jsonl, and the misses.

Usage: python bench/score_references.py [--field NAME] [--show N]
"""

from __future__ import annotations

import argparse
import random

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.references import (
    ID_FIELDS,
    MAIN_FIELDS,
    PRINTED_TITLE,
    load_records,
    score_references,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--field", help="show misses of this field only")
    ap.add_argument("--show", type=int, default=10, help="misses to show per field (random sample)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    scores = score_references(load_records())
    print(f"{'field':<14}{'accuracy':>9}{'right':>7}{'total':>7}")
    for name in MAIN_FIELDS + ID_FIELDS + (PRINTED_TITLE,):
        s = scores.fields[name]
        flag = "" if name in ID_FIELDS or s.accuracy >= 0.93 else "  < 0.93"
        print(f"{name:<14}{s.accuracy:>9.4f}{s.right:>7}{s.total:>7}{flag}")
    rng = random.Random(args.seed)
    for name in [args.field] if args.field else MAIN_FIELDS:
        misses = [m for m in scores.misses if m[1] == name]
        if not misses or not args.show:
            continue
        print(f"\n== {name}: {len(misses)} misses")
        for rid, _, got, gold, raw in rng.sample(misses, min(args.show, len(misses))):
            print(f"- {rid}\n  got : {got!r}\n  gold: {gold!r}\n  raw : {raw!r}")


if __name__ == "__main__":
    main()
