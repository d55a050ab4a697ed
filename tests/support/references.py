"""Field accuracy of :func:`refkit.parse.reference.parse_reference` on the corpus strings.

``tests/data/corpus/refs.jsonl`` holds reference strings with gold fields. Each field is
scored by exact match after light normalisation (:func:`support.fields.field_matches`);
a null gold value is not scored. DOI and PMID are scored only where the string prints them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refkit.model import Reference
from refkit.parse.reference import parse_reference
from support.fields import field_matches, reference_field, title_printed
from support.paths import CORPUS as CORPUS_DIR

PRINTED_TITLE = "title_printed"  # title scored only where the gold title is printed whole
MAIN_FIELDS = ("title", "first_author", "journal", "year", "volume", "first_page", "last_page")
ID_FIELDS = ("doi", "pmid")
CORPUS = CORPUS_DIR / "refs.jsonl"


@dataclass
class FieldScore:
    right: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0


@dataclass
class ReferenceScores:
    fields: dict[str, FieldScore] = field(default_factory=dict)
    # (record id, field, parsed value, gold value, raw string) for every miss
    misses: list[tuple[str, str, Any, Any, str]] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        return self.fields[name].accuracy

    def worst_fields(self) -> list[str]:
        return sorted(self.fields, key=lambda f: self.fields[f].accuracy)


def load_records(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _printed(gold: str, raw: str) -> bool:
    squeezed = "".join(raw.split()).casefold()
    return "".join(gold.split()).casefold() in squeezed


def score_references(
    records: Iterable[dict[str, Any]], parse: Callable[[str], Reference] = parse_reference
) -> ReferenceScores:
    """Parse every record's ``raw`` and count field matches against its ``gold``."""
    scores = ReferenceScores({name: FieldScore() for name in MAIN_FIELDS + ID_FIELDS + (PRINTED_TITLE,)})
    for record in records:
        raw, gold = record["raw"], record["gold"]
        ref = parse(raw)
        for name in MAIN_FIELDS + ID_FIELDS:
            expected = gold.get(name)
            if expected is None:
                continue
            if name in ID_FIELDS and not _printed(str(expected), raw):
                continue
            got = reference_field(ref, name)
            score = scores.fields[name]
            score.total += 1
            right = field_matches(name, got, expected, gold.get("first_page"))
            score.right += right
            if not right:
                scores.misses.append((record.get("id", ""), name, got, expected, raw))
            if name == "title" and title_printed(raw, expected):
                scores.fields[PRINTED_TITLE].total += 1
                scores.fields[PRINTED_TITLE].right += right
    return scores
