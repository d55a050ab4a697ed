"""Fit the matcher's confidence model and derive the resolver's decision thresholds from it.

    python scripts/fit_confidence.py [--quirk-seeds 0] [--out refkit/resolve/data/confidence.json]

1. Collect every (reference, candidate) pair the resolver weighs over the corpus pages, the style
   pages and the title-less style pages, against the catalog and its deposit-quirk variants
   (``tests/support/decisions.py``); label: the candidate is the gold DOI (or a second deposit
   identical to the gold record: the same paper; precision counts only the gold DOI).
2. Split by page (a style page is one style: whole styles are held out); fit a logistic regression
   on the training split's features (``refkit.resolve.confidence.features``). Vetoed pairs are
   left out: a veto is a rule, not evidence.
3. On the held-out split: the reliability table, and the thresholds: ``accept`` is the lowest
   confidence from which the resolver's best candidates are right ≥ 99% of the time (not below 0.5),
   ``sure`` the lowest from which they are right ≥ 99.9% (not below 0.999), ``tie_margin`` the
   smallest log-odds gap between two acceptable candidates from which the better one is right ≥ 99%.
Writes the JSON the runtime reads (coefficients and thresholds only; scikit-learn is a test extra).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from support.decisions import (  # noqa: E402
    Pair,
    by_reference,
    load_or_collect,
    outcome,
    reliability,
    reliability_table,
    rescore,
)

from refkit.resolve import confidence  # noqa: E402

ACCEPT_PRECISION = 0.99
SURE_PRECISION = 0.999
TIE_PRECISION = 0.99
C = 1.0  # scikit-learn's default L2 strength: not tuned


def fit(train: list[Pair]) -> tuple[float, dict[str, float]]:
    usable = [p for p in train if not p.veto]
    vec = DictVectorizer(sparse=False)
    x = vec.fit_transform([p.features for p in usable])
    y = [p.label for p in usable]
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit(x, y)
    weights = {name: round(float(w), 4) for name, w in zip(vec.feature_names_, model.coef_[0], strict=True)}
    return round(float(model.intercept_[0]), 4), weights


def lowest_threshold(bests: list[Pair], precision: float) -> float:
    """The lowest confidence t such that the best candidates at t or above are right with at least
    ``precision`` (candidates of equal confidence are taken together: one cannot split them)."""
    ranked = sorted((p for p in bests if not p.veto), key=lambda p: p.confidence, reverse=True)
    right = given = 0
    threshold = 1.0
    for i, p in enumerate(ranked):
        right, given = right + p.label, given + 1
        last_of_its_value = i + 1 == len(ranked) or ranked[i + 1].confidence < p.confidence
        if last_of_its_value and right / given >= precision:
            threshold = p.confidence
    return threshold


def tie_margin(refs: list[list[Pair]], accept: float, precision: float) -> float:
    """The smallest log-odds gap between two acceptable candidates from which the better is right."""
    gaps = []
    for g in refs:
        ok = [p for p in g if not p.veto and p.confidence >= accept]
        if len(ok) >= 2:
            gaps.append((ok[0].logit - ok[1].logit, ok[0].label))
    for m in sorted({0.0} | {round(gap + 0.05, 2) for gap, _ in gaps}):
        above = [label for gap, label in gaps if gap >= m]
        if not above or sum(above) / len(above) >= precision:
            return m
    return 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quirk-seeds", type=int, nargs="*", default=[0])
    ap.add_argument("--out", type=Path, default=confidence.MODEL_PATH)
    ap.add_argument("--cache", type=Path, help="keep the collected pairs here (pickle) to refit quickly")
    args = ap.parse_args()

    pairs = load_or_collect(args.quirk_seeds, args.cache)
    train, test = pairs.split()
    pages = lambda ps: len({(p.group.split("/")[0], p.page) for p in ps})  # noqa: E731
    refs = lambda ps: len({(p.group, p.page, p.n) for p in ps})  # noqa: E731
    print(f"decisions: {len(pairs.items)} pairs; train {len(train)} pairs ({refs(train)} references, "
          f"{pages(train)} pages, {sum(p.label for p in train)} right); held out {len(test)} pairs "
          f"({refs(test)} references, {pages(test)} pages, {sum(p.label for p in test)} right)")

    intercept, weights = fit(train)
    # The author cap sits below acceptance, which comes from the scores: derive accept on the model
    # with a provisional cap, then again with the cap where it lands (it only lowers scores).
    accept = 0.5
    for _ in range(3):
        rescore(test, confidence.Model(intercept, weights, confidence.Decision(accept, 1.0, 0.0)))
        accept = round(max(0.5, lowest_threshold([g[0] for g in by_reference(test)], ACCEPT_PRECISION)), 3)
    test_refs = by_reference(test)
    bests = [g[0] for g in test_refs]
    # A calibrated confidence says itself how often it is right: never "sure" below SURE_PRECISION,
    # nor below where the held-out answers stop being right that often.
    sure = round(max(accept, SURE_PRECISION, lowest_threshold(bests, SURE_PRECISION)), 4)
    margin = tie_margin(test_refs, accept, TIE_PRECISION)
    decision = confidence.Decision(accept, sure, margin)
    fitted = confidence.Model(intercept, weights, decision)
    print(f"accept {accept}: lowest confidence from which held-out best candidates are right "
          f"≥ {ACCEPT_PRECISION} (never below 0.5: an answer more likely wrong than right is no answer)")
    print(f"sure {sure}: lowest confidence from which they are right ≥ {SURE_PRECISION}, and at least "
          f"{SURE_PRECISION}")
    print(f"tie margin {margin}: smallest log-odds gap from which the better of two acceptable "
          f"candidates is right ≥ {TIE_PRECISION}")

    rescore(pairs.items, fitted)
    print("\nheld-out reliability (every pair weighed):")
    print(reliability_table(reliability([p.confidence for p in test], [p.label for p in test])))
    for name, split in (("train", train), ("held out", test)):
        print(f"{name}: {outcome(by_reference(split), decision)}")

    doc = {
        "about": "fitted by scripts/fit_confidence.py; features: refkit.resolve.confidence.features",
        "intercept": intercept,
        "weights": dict(sorted(weights.items())),
        "decision": {"accept": decision.accept, "sure": decision.sure, "tie_margin": decision.tie_margin},
        "split": {"train_pairs": len(train), "held_out_pairs": len(test), "quirk_seeds": args.quirk_seeds,
                  "C": C},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
