"""Print per-field and per-style accuracy of parse_reference on references rendered in many styles.

Usage: python bench/score_styles.py [PATH.jsonl] [--field NAME] [--style NAME] [--show N]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.styles import ALL, FIELDS, STYLES, load_styles, score_styles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("path", nargs="?", type=Path, default=STYLES)
    ap.add_argument("--field", help="show misses of this field only")
    ap.add_argument("--style", help="show misses of this style only")
    ap.add_argument("--show", type=int, default=5, help="misses to show per field (random sample)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--crf", action="store_true", help="score the CRF labeller alone, without the rules")
    args = ap.parse_args()

    if args.crf:
        from refkit.parse.crf import crf_reference

        scores = score_styles(load_styles(args.path), parse=crf_reference)
    else:
        scores = score_styles(load_styles(args.path))
    names = FIELDS + (ALL,)
    print(f"{'style':<48}" + "".join(f"{n[:8]:>9}" for n in names))
    for style in sorted(scores.by_style, key=lambda s: scores.by_style[s][ALL].accuracy):
        per = scores.by_style[style]
        print(f"{style[:47]:<48}" + "".join(f"{per[n].accuracy:>9.3f}" for n in names))
    print(f"{'OVERALL':<48}" + "".join(f"{scores.overall[n].accuracy:>9.4f}" for n in names))
    rng = random.Random(args.seed)
    for name in [args.field] if args.field else FIELDS:
        misses = [m for m in scores.misses if m[1] == name and (not args.style or m[0] == args.style)]
        if not misses or not args.show:
            continue
        print(f"\n== {name}: {len(misses)} misses")
        for style, _, got, gold, raw in rng.sample(misses, min(args.show, len(misses))):
            print(f"- [{style}]\n  got : {got!r}\n  gold: {gold!r}\n  raw : {raw!r}")


if __name__ == "__main__":
    main()
