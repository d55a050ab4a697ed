"""Field accuracy of the reference parser on strings rendered in many citation styles.

``tests/data/corpus/styles/styles.jsonl`` holds references rendered by citeproc-js from catalog
records in 41 journal styles, with gold fields. They are scored with the rules of
:mod:`support.references` (the same ``field_matches``), with one difference the data asks for: the
journal is right when it equals the full title or the abbreviated one, since styles print either.
As for ``refs.jsonl`` (where ``last_page`` is read from the string), a last page is scored only
where the string prints a range after the first page: some styles (Transplantation) print the first
page alone, and no parser can read what is not there. Scores are kept overall and per style, and
"all fields right" counts a reference only when every scored field of it is right.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refkit.model import Reference
from refkit.parse.reference import parse_reference
from support.fields import field_matches, reference_field
from support.paths import CORPUS
from support.references import FieldScore as Tally  # one tally of right / total for every scorer

STYLES = CORPUS / "styles" / "styles.jsonl"
FIELDS = ("title", "first_author", "journal", "year", "volume", "issue", "first_page", "last_page")
ALL = "all_fields"


@dataclass
class StyleScores:
    overall: dict[str, Tally] = field(default_factory=dict)
    by_style: dict[str, dict[str, Tally]] = field(default_factory=dict)
    # (style, field, parsed value, gold value, raw string) for every miss
    misses: list[tuple[str, str, Any, Any, str]] = field(default_factory=list)

    def worst(self, name: str = ALL) -> tuple[str, float]:
        """The style with the lowest accuracy on ``name``, and that accuracy."""
        style = min(self.by_style, key=lambda s: self.by_style[s][name].accuracy)
        return style, self.by_style[style][name].accuracy


def load_styles(path: Path = STYLES) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _scored(name: str, gold: dict[str, Any], raw: str) -> bool:
    if gold.get(name) is None:
        return False
    if name == "last_page":
        first = gold.get("first_page")
        printed = re.escape(str(first)) + r"\s*[-\u2010-\u2015\u2212]\s*\w"
        return bool(first) and re.search(printed, raw) is not None
    return True


def _right(name: str, got: Any, gold: dict[str, Any]) -> bool:
    if name == "journal":
        return any(
            field_matches(name, got, gold[key]) for key in ("journal", "journal_abbrev") if gold.get(key)
        )
    return field_matches(name, got, gold[name], gold.get("first_page"))


def score_styles(
    records: Iterable[dict[str, Any]], parse: Callable[[str], Reference] = parse_reference
) -> StyleScores:
    """Parse every record's ``raw``; count field matches overall and per style."""
    scores = StyleScores({name: Tally() for name in FIELDS + (ALL,)})
    for record in records:
        raw, gold, style = record["raw"], record["gold"], record.get("style", "")
        per = scores.by_style.setdefault(style, {name: Tally() for name in FIELDS + (ALL,)})
        ref = parse(raw)
        every = True
        for name in FIELDS:
            if not _scored(name, gold, raw):
                continue
            got = reference_field(ref, name)
            right = _right(name, got, gold)
            every &= right
            for tally in (scores.overall[name], per[name]):
                tally.total += 1
                tally.right += right
            if not right:
                scores.misses.append((style, name, got, gold[name], raw))
        for tally in (scores.overall[ALL], per[ALL]):
            tally.total += 1
            tally.right += every
    return scores
