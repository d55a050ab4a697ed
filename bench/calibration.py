"""Is the matcher's confidence calibrated? A reliability table over the held-out split.

    python bench/calibration.py [--quirk-seeds 0] [--cache /tmp/pairs.pkl]

Collects every (reference, candidate) pair the resolver weighs over the corpus pages, the style
pages and the title-less style pages, against the catalog and its deposit-quirk variants
(``tests/support/decisions.py``), scores them with the shipped model
(``refkit/resolve/data/confidence.json``) and prints, for the held-out pages (whole styles), the
confidence bins with their count, mean confidence and observed accuracy. Every bin holding 30
decisions or more should be within 5 points. Then the resolver's precision and recall under the
shipped thresholds, per split and per set.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import _paths  # noqa: F401
from support.decisions import by_reference, load_or_collect, outcome, reliability, reliability_table, rescore

from refkit.resolve.confidence import DECISION

MIN_BIN, TOLERANCE = 30, 0.05


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quirk-seeds", type=int, nargs="*", default=[0])
    ap.add_argument("--cache", type=Path, help="reuse (or keep) the collected pairs (pickle)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    pairs = load_or_collect(args.quirk_seeds, args.cache)
    collected = time.perf_counter() - t0
    rescore(pairs.items)
    train, test = pairs.split()
    print(f"{len(pairs.items)} pairs ({collected:.1f} s to collect or load); "
          f"train {len(train)}, held out {len(test)}")
    print(f"decision: accept {DECISION.accept}, sure {DECISION.sure}, tie margin {DECISION.tie_margin}\n")
    table = reliability([p.confidence for p in test], [p.label for p in test])
    print("held-out reliability (every pair weighed):")
    print(reliability_table(table))
    off = [b for b in table if b.count >= MIN_BIN and b.gap > TOLERANCE]
    print(f"bins with ≥ {MIN_BIN} decisions off by more than {TOLERANCE:.0%}: {len(off)}")
    best = [g[0] for g in by_reference(test)]
    print("\nheld-out reliability (the resolver's best candidate per reference):")
    print(reliability_table(reliability([p.confidence for p in best], [p.label for p in best])))

    print()
    for name, split in (("train", train), ("held out", test)):
        print(f"{name:9s} {outcome(by_reference(split), DECISION)}")
    sets: dict[str, list] = defaultdict(list)
    for p in test:
        sets[p.group].append(p)
    for group in sorted(sets):
        print(f"  held out {group:28s} {outcome(by_reference(sets[group]), DECISION)}")


if __name__ == "__main__":
    main()
