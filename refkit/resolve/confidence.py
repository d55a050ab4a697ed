"""From field verdicts to a confidence: the matcher's scoring model and the decision thresholds.

The matcher compares a reference with a candidate field by field (verdicts such as title
``match``, year ``close``, page ``mismatch``); this module turns those verdicts into log-odds
and a probability, and says where the resolver accepts, stops searching, or calls a tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

PRIOR = -3.0
WEIGHTS: dict[str, dict[str, float]] = {
    "title": {"match": 5.0, "close": 3.0, "weak": 0.5, "mismatch": -5.0, "missing": 0.0},
    "author": {"match": 2.0, "close": 1.0, "elsewhere": 0.5, "mismatch": -2.5, "missing": 0.0},
    "year": {"match": 1.5, "close": 0.0, "mismatch": -4.0, "missing": 0.0},
    "volume": {"match": 1.0, "mismatch": -3.5, "missing": 0.0},
    "issue": {"match": 0.3, "mismatch": -0.5, "missing": 0.0},
    "page": {"match": 1.5, "mismatch": -5.0, "missing": 0.0},
    "journal": {"match": 1.0, "unknown": 0.0, "mismatch": -1.5, "missing": 0.0},
    "doi": {"match": 3.0, "missing": 0.0},
    "type": {"mismatch": -5.0},
}


@dataclass(frozen=True)
class Decision:
    accept: float  # accept a match at this confidence or above
    sure: float  # an answer this sure is not worth asking another source
    tie_margin: float  # two acceptable candidates closer than this in log-odds: abstain


DECISION = Decision(accept=0.8, sure=0.995, tie_margin=1.0)


def log_odds(evidence: dict[str, dict[str, Any]], *, vetoed: bool = False) -> float:
    """The log-odds that the candidate is the cited work, from the verdict of each field."""
    logit = PRIOR + sum(WEIGHTS.get(name, {}).get(ev["verdict"], 0.0) for name, ev in evidence.items())
    # A year off by one is the online-first date only when the rest agrees. Author and journal do
    # not count: another paper by the same author in the same journal shares them.
    support = sum(evidence.get(f, {}).get("verdict") == "match" for f in ("volume", "page", "doi"))
    # A deposit without authors (or only a group) cannot contradict the author either.
    support += evidence["title"]["verdict"] == "match" and evidence["journal"]["verdict"] == "match" and (
        evidence["author"]["verdict"] in ("match", "missing")
    )
    off = evidence["year"].get("off", 1)  # two years early needs two fields more to vouch for it
    if evidence["year"]["verdict"] == "close" and support < off:
        logit -= 2.0 * (off - support)
    if evidence["title"]["verdict"] in ("mismatch", "weak") and evidence["page"]["verdict"] != "match":
        logit -= 2.0  # without the title, only a page agreement identifies the article in its issue
    if vetoed:
        logit = min(logit, -6.0)
    return logit


def probability(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))
