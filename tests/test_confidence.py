"""The fitted confidence model: its features, its rules, its thresholds, and its calibration."""

from __future__ import annotations

import itertools
import json

import pytest
from support.decisions import Pairs, by_reference, decisions, held_out, outcome, reliability, rescore

from refkit.resolve import confidence
from refkit.resolve.confidence import DECISION, features, log_odds, probability

FIELDS = ("title", "author", "year", "volume", "issue", "page", "journal")


def evidence(**verdicts: str) -> dict:
    ev = {name: {"cited": None, "record": None, "score": 0.0, "verdict": "missing"} for name in FIELDS}
    for name, verdict in verdicts.items():
        score = 1.0 if verdict == "match" else 0.0
        ev[name] = {"cited": "x", "record": "x", "score": score, "verdict": verdict}
    return ev


FULL = dict(title="match", author="match", year="match", volume="match", page="match", journal="match")


def test_the_model_ships_as_json_with_thresholds_derived_from_it() -> None:
    doc = json.loads(confidence.MODEL_PATH.read_text(encoding="utf-8"))
    assert set(doc) >= {"intercept", "weights", "decision", "split"}
    assert doc["split"]["train_pairs"] > doc["split"]["held_out_pairs"] > 1000
    assert 0.5 <= DECISION.accept < DECISION.sure < 1.0 and DECISION.tie_margin >= 0
    # every weight belongs to a feature the runtime computes from some combination of verdicts
    names = ("title", "author", "year", "volume", "page", "journal")
    grid = [confidence.VERDICTS[f] + ("missing",) for f in names]
    known: set[str] = set()
    for combo in itertools.product(*grid):
        ev = evidence(**dict(zip(names, combo, strict=True)))
        known |= set(features(ev)) | set(features({**ev, "year": {**ev["year"], "off": 2}}))
    known |= {"issue=match", "issue=mismatch", "doi=match", "type=mismatch"}
    assert set(doc["weights"]) <= known


def test_features_are_one_hot_verdicts_with_missing_as_the_reference_level() -> None:
    x = features(evidence(title="partial", page="mismatch"))
    assert x["title=partial"] == 1.0 and x["page=mismatch"] == 1.0
    assert not any(k.startswith(("author=", "volume=", "year=")) for k in x)
    assert x["title=off&page!=match"] == 1.0 and x["support"] == 0.0


@pytest.mark.parametrize("name", ["title", "author", "year", "volume", "page"])
def test_each_field_that_agrees_raises_the_confidence_and_each_that_differs_lowers_it(name: str) -> None:
    base = dict(FULL)
    agree = log_odds(evidence(**base))
    base[name] = "mismatch"
    assert log_odds(evidence(**base)) < agree
    base[name] = "missing" if name != "title" else "absent"
    assert log_odds(evidence(**base)) < agree


def test_every_field_agreeing_is_sure_and_a_veto_is_out() -> None:
    assert probability(log_odds(evidence(**FULL))) >= DECISION.sure
    assert probability(log_odds(evidence(**FULL), vetoed=True)) < 0.01


def test_an_author_mismatch_without_identifying_support_is_capped_below_acceptance() -> None:
    ev = evidence(title="match", author="mismatch", year="match", journal="match")
    assert confidence.capped(ev)
    assert probability(log_odds(ev)) < DECISION.accept
    ev = evidence(title="match", author="mismatch", year="match", journal="match", volume="match",
                  page="match")
    assert not confidence.capped(ev)


def test_a_title_fragment_needs_identifying_fields() -> None:
    alone = evidence(title="partial", author="match", year="match", journal="match")
    assert probability(log_odds(alone)) < probability(log_odds(evidence(**FULL)))
    vouched = evidence(title="partial", author="match", year="match", journal="match", volume="match",
                       page="match")
    assert probability(log_odds(vouched)) >= DECISION.accept


def test_a_title_less_reference_is_matched_by_its_other_fields() -> None:
    ev = evidence(**dict(FULL, title="absent"))
    assert probability(log_odds(ev)) >= DECISION.accept
    wrong_page = evidence(**dict(FULL, title="absent", page="mismatch"))
    assert probability(log_odds(wrong_page)) < DECISION.accept


# --- calibration on a fast subset of the held-out split ----------------------------------------------


@pytest.fixture(scope="module")
def held_out_pairs() -> Pairs:
    return decisions(quirk_seeds=(), pages_per_set=6, only=held_out)  # ~7,500 pairs: fast


def test_held_out_confidence_is_calibrated(held_out_pairs: Pairs) -> None:
    pairs = held_out_pairs.items
    rescore(pairs)
    assert len(pairs) >= 5000 and sum(p.label for p in pairs) >= 500
    table = reliability([p.confidence for p in pairs], [p.label for p in pairs])
    busy = [b for b in table if b.count >= 30]
    assert len(busy) >= 2
    assert all(b.gap <= 0.05 for b in busy), [(b.low, b.count, b.mean_confidence, b.accuracy) for b in busy]


def test_held_out_decisions_are_precise(held_out_pairs: Pairs) -> None:
    score = outcome(by_reference(held_out_pairs.items), DECISION)
    assert score.precision >= 0.99 and score.recall >= 0.99, str(score)  # measured 1.0, 0.9986
