"""Score a search backend's ranking: is the expected work among the first k results?

The resolver can only validate what a search returns, so a work missing from the top rows is a
lost match however good the matcher is. Run over the corpus pages' reference strings (gold
``expect``; references whose work is not in the catalog are left out).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from support.paths import CORPUS  # noqa: E402


@dataclass
class SearchScore:
    k: int
    ranks: list[int | None] = field(default_factory=list)  # 0-based rank of the expected work
    missed: list[str] = field(default_factory=list)  # reference strings whose work was not in the top k

    @property
    def queries(self) -> int:
        return len(self.ranks)

    @property
    def recall_at_1(self) -> float:
        return sum(r == 0 for r in self.ranks) / len(self.ranks) if self.ranks else 1.0

    @property
    def recall_at_k(self) -> float:
        return sum(r is not None for r in self.ranks) / len(self.ranks) if self.ranks else 1.0


def page_references(corpus: Path = CORPUS) -> list[dict]:
    """Every gold reference of the corpus pages whose work is in the catalog (``expect`` set)."""
    refs = []
    for path in sorted((corpus / "pages").glob("*.json")):
        refs.extend(r for r in json.loads(path.read_text(encoding="utf-8"))["references"] if r.get("expect"))
    return refs


def score_search(search: Callable[[str, int], list[dict]], refs: Iterable[dict], k: int = 5) -> SearchScore:
    """Rank of each reference's ``expect`` DOI among ``search(raw, k)``'s records."""
    score = SearchScore(k=k)
    for ref in refs:
        dois = [str(record.get("DOI", "")).lower() for record in search(ref["raw"], k)]
        expect = ref["expect"].lower()
        rank = dois.index(expect) if expect in dois else None
        score.ranks.append(rank)
        if rank is None:
            score.missed.append(ref["raw"])
    return score
