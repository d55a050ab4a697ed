"""From field verdicts to a confidence: the matcher's fitted scoring model and the decision thresholds.

The matcher compares a reference with a candidate field by field (verdicts such as title
``match``, year ``close``, page ``mismatch``); this module turns those verdicts into features,
the features into log-odds with a logistic model, and says where the resolver accepts, stops
searching, or calls a tie.

The coefficients and thresholds are not set by hand: ``scripts/fit_confidence.py`` fits them on
the (reference, candidate) decisions the resolver makes over the corpus pages and the style pages
(with their near-miss distractors and deposit quirks), on one split of the pages, checks the
calibration on the others, and writes ``data/confidence.json``. Only that JSON is read here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("data") / "confidence.json"

# The verdicts each field can give; "missing" (nothing to compare) is the reference level of each.
VERDICTS: dict[str, tuple[str, ...]] = {
    "title": ("match", "close", "partial", "weak", "mismatch", "absent"),
    "author": ("match", "close", "elsewhere", "mismatch"),
    "year": ("match", "close", "mismatch"),
    "volume": ("match", "mismatch"),
    "issue": ("match", "mismatch"),
    "page": ("match", "mismatch"),
    "journal": ("match", "unknown", "mismatch"),
    "doi": ("match",),
    "type": ("mismatch",),
}
# Fields that single out one article in a journal issue; author, year and journal do not (another
# paper by the same author in the same journal shares them).
_IDENTIFYING = ("volume", "page", "doi")
# The fields whose verdicts interact pairwise (issue, doi and type are rare enough to stand alone).
_PAIRED = frozenset(["title", "author", "year", "volume", "page", "journal"])
VETO_LOGIT = -8.0  # a vetoed candidate (a notice, another part) whatever its fields say
CAP_MARGIN = 0.5  # how far below acceptance a capped candidate stays, in log-odds


@dataclass(frozen=True)
class Decision:
    accept: float  # accept a match at this confidence or above
    sure: float  # an answer this sure is not worth asking another source
    tie_margin: float  # two acceptable candidates closer than this in log-odds: abstain


def _verdict(evidence: dict[str, dict[str, Any]], name: str) -> str:
    return str(evidence.get(name, {}).get("verdict", "missing"))


def features(evidence: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The model's inputs: one-hot verdict per field, the title similarity, and the interactions
    that say one field vouches for another (a year off by one only with identifying support)."""
    x: dict[str, float] = {}
    for name, verdicts in VERDICTS.items():
        v = _verdict(evidence, name)
        if v in verdicts:
            x[f"{name}={v}"] = 1.0
    title = evidence.get("title", {})
    x["title.score"] = float(title.get("score") or 0.0)
    support = sum(_verdict(evidence, f) == "match" for f in _IDENTIFYING)
    x["support"] = float(support)
    tv, av = _verdict(evidence, "title"), _verdict(evidence, "author")
    # Online first: a year off by n needs n identifying fields to vouch for it.
    off = int(evidence.get("year", {}).get("off", 1) or 1)
    if _verdict(evidence, "year") == "close":
        x["year.off"] = float(off)
        x["year=close&unsupported"] = float(max(0, off - support))
    # Without the title, only the page identifies the article in its issue.
    if tv in ("mismatch", "weak", "partial", "absent") and _verdict(evidence, "page") != "match":
        x["title=off&page!=match"] = 1.0
    if av == "mismatch" and support == 0:
        x["author=mismatch&unsupported"] = 1.0
    if tv in ("partial", "absent") and av == "match":
        x["title=off&author=match"] = 1.0
    if tv in ("partial", "absent"):
        x["title=off&support"] = float(support)
    # Every pair of verdicts of two fields: what one field's agreement is worth depends on the others
    # (a year off by one is online-first when the title and pages agree, a near miss when nothing
    # else identifies the article). The fit, regularised, weighs the pairs the data supports.
    given = sorted(k for k in x if k.split("=")[0] in _PAIRED and "&" not in k)
    for i, a in enumerate(given):
        for b in given[i + 1 :]:
            x[f"{a}&{b}"] = 1.0
    return x


@dataclass(frozen=True)
class Model:
    intercept: float
    weights: dict[str, float]
    decision: Decision

    def log_odds(self, x: dict[str, float]) -> float:
        return self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in x.items())


@lru_cache(maxsize=1)
def model() -> Model:
    """The fitted model (read once from ``data/confidence.json``)."""
    doc = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    d = doc["decision"]
    return Model(
        float(doc["intercept"]),
        {k: float(v) for k, v in doc["weights"].items()},
        Decision(float(d["accept"]), float(d["sure"]), float(d["tie_margin"])),
    )


def logit_of(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def log_odds(
    evidence: dict[str, dict[str, Any]], *, vetoed: bool = False, using: Model | None = None
) -> float:
    """The log-odds that the candidate is the cited work, from the verdict of each field.

    Two rules bound what the model may say: a vetoed candidate is out, and a candidate whose first
    author differs, with neither volume nor page (nor a printed identifier) to vouch for it, stays
    below acceptance however well the rest agrees: a title and a year are shared by other papers,
    and a title fragment even more so.
    """
    m = using or model()  # another model: the fitting script's candidate, before it ships
    logit = m.log_odds(features(evidence))
    if vetoed:
        return min(logit, VETO_LOGIT)
    if capped(evidence):
        logit = min(logit, logit_of(m.decision.accept) - CAP_MARGIN)
    return logit


def capped(evidence: dict[str, dict[str, Any]]) -> bool:
    """Whether the author-mismatch cap applies: the author differs and no identifying field agrees."""
    return _verdict(evidence, "author") == "mismatch" and not any(
        _verdict(evidence, f) == "match" for f in _IDENTIFYING
    )


def probability(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))


DECISION = model().decision
