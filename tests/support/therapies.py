"""Exact-span scoring of chemical mentions against BioCreative V CDR-style gold.

Gold: ``{"pmid", "title", "abstract", "chemicals": [{"start", "end", "text", "mesh"}]}`` with
offsets into ``title + " " + abstract``. A predicted mention counts when its (start, end)
equals a gold span; MeSH accuracy is over the spans found, where the gold has an id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Extractor = Callable[[str], list[dict[str, Any]]]


@dataclass
class SpanScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    mesh_right: int = 0
    mesh_scored: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # for reading, not for scoring

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def mesh_accuracy(self) -> float:
        return self.mesh_right / self.mesh_scored if self.mesh_scored else 0.0


def load_documents(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def document_text(doc: dict[str, Any]) -> str:
    return doc["title"] + " " + doc["abstract"]


def score_documents(docs: Iterable[dict[str, Any]], extract: Extractor) -> SpanScore:
    """``extract(text)`` returns mentions with ``start``, ``end`` and optionally ``mesh``."""
    score = SpanScore()
    for doc in docs:
        text = document_text(doc)
        gold = {(c["start"], c["end"]): c for c in doc["chemicals"]}
        found = {(m["start"], m["end"]): m for m in extract(text)}
        for span, m in found.items():
            if span in gold:
                score.tp += 1
                g = gold[span].get("mesh")
                if g and g != "-1":
                    score.mesh_scored += 1
                    score.mesh_right += int(m.get("mesh") == g)
                    if m.get("mesh") != g:
                        score.errors.append({"pmid": doc["pmid"], "kind": "mesh", "found": m.get("mesh"),
                                             "gold": g, "text": text[span[0]:span[1]]})
            else:
                score.fp += 1
                score.errors.append({"pmid": doc["pmid"], "kind": "fp", "text": text[span[0]:span[1]]})
        for span, g in gold.items():
            if span not in found:
                score.fn += 1
                score.errors.append({"pmid": doc["pmid"], "kind": "fn", "text": g["text"]})
    return score


def held_out(doc: dict[str, Any], k: int) -> bool:
    """The held-out fifth of a corpus: PMIDs equal to ``k`` mod 5 (a split by id, not by
    anything the extraction sees)."""
    return int(doc["pmid"]) % 5 == k
