"""Print how well refkit segments the corpus pages and the seed (reference counts, raw, links, fields).

Usage: python bench/score_pages.py [PAGES_DIR] [--misses N]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.pages import PAGES, REPORTED, score_pages, seed_differences

from refkit.parse import read_article

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="?", default=str(PAGES), help="folder of NNN.txt + NNN.json")
    parser.add_argument("--misses", type=int, default=10, help="how many misses to list")
    args = parser.parse_args()

    score = score_pages(args.pages)
    print(f"pages: {score.pages}, reference count exact on {score.pages_count_exact}/{score.pages}")
    print(f"references: {score.references} gold, {score.found} found under the same number")
    print(f"raw exact:   {score.raw_accuracy:.4f}")
    print(f"links exact: {score.links_accuracy:.4f}")
    for name in REPORTED:
        print(f"  {name:<13} {score.accuracy(name):.4f}  ({score.correct[name]}/{score.scored[name]})")
    kinds = Counter(m["field"] for m in score.misses)
    print("misses by field:", dict(kinds))
    for miss in score.misses[: args.misses]:
        print("  ", json.dumps(miss, ensure_ascii=False)[:300])

    seed = ROOT / "seeds" / "jkra-16-301.txt"
    gold = json.loads(seed.with_suffix("").with_suffix(".gold.json").read_text(encoding="utf-8"))
    diffs = seed_differences(read_article(seed), gold)
    print(f"seed jkra-16-301: {len(diffs)} differences from gold")
    for diff in diffs[: args.misses]:
        print("  ", diff)


if __name__ == "__main__":
    main()
