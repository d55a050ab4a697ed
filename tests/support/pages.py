"""Score article segmentation and reference fields against the corpus pages (``pages/NNN.txt`` + gold).

Per page: does refkit find exactly the gold's references (by count and number)? Per reference:
are ``raw`` and ``links`` exact, and how many of title, journal, year, volume, first and last
page, first author's family name and links match the gold (``field_matches``; gold nulls are not
scored)? Also scores the seed article against its gold file.

Gold titles come from the cited work's record, and about 7% of those records lost words the
reference prints (italic species and gene names: record ``Transcriptional profiling of canola (``
for a string that prints ``… canola (Brassica napus L.) responses …``). No reading of the string
can give such a title, so ``title`` is scored where the string prints the gold title whole (see
:func:`support.fields.title_printed`); ``title_strict`` scores every gold title,
and both are reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refkit.model import Article, Author
from refkit.parse import read_article
from support.fields import field_matches, reference_field, title_printed
from support.paths import CORPUS

PAGES = CORPUS / "pages"
FIELDS = ("title", "journal", "year", "volume", "first_page", "last_page", "first_author", "links")
REPORTED = (*FIELDS, "title_strict")
@dataclass
class PagesScore:
    pages: int = 0
    pages_count_exact: int = 0
    references: int = 0  # gold references
    found: int = 0  # gold references refkit found under the same number
    raw_exact: int = 0
    links_exact: int = 0
    scored: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REPORTED, 0))
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REPORTED, 0))
    misses: list[dict[str, Any]] = field(default_factory=list)  # what went wrong, for the bench output

    def accuracy(self, name: str) -> float:
        return self.correct[name] / self.scored[name] if self.scored[name] else 1.0

    @property
    def raw_accuracy(self) -> float:
        return self.raw_exact / self.references if self.references else 1.0

    @property
    def links_accuracy(self) -> float:
        return self.links_exact / self.references if self.references else 1.0


def score_page(article: Article, gold: dict[str, Any], score: PagesScore, page: str = "") -> None:
    """Add one page's figures to ``score``."""
    golds = gold["references"]
    score.pages += 1
    score.pages_count_exact += len(article.references) == len(golds)
    if len(article.references) != len(golds):
        score.misses.append({"page": page, "field": "count", "parsed": len(article.references),
                             "gold": len(golds)})
    by_n = {r.n: r for r in article.references}
    for g in golds:
        score.references += 1
        ref = by_n.get(g["n"])
        if ref is None:
            score.misses.append({"page": page, "n": g["n"], "field": "missing"})
        else:
            score.found += 1
        if ref is not None and ref.raw == g["raw"]:
            score.raw_exact += 1
        elif ref is not None:
            score.misses.append({"page": page, "n": g["n"], "field": "raw", "parsed": ref.raw,
                                 "gold": g["raw"]})
        if ref is not None and ref.links == g.get("links", []):
            score.links_exact += 1
        for name in REPORTED:
            expected = g.get("title" if name == "title_strict" else name)
            if expected is None or name == "title" and not title_printed(g["raw"], expected):
                continue
            score.scored[name] += 1
            if name == "links":
                ok = ref is not None and ref.links == expected
            else:
                key = "title" if name == "title_strict" else name
                got = reference_field(ref, key) if ref is not None else None
                ok = ref is not None and field_matches(key, got, expected, g.get("first_page"))
            score.correct[name] += ok
            if not ok and name not in ("links", "title_strict"):
                score.misses.append({"page": page, "n": g["n"], "field": name,
                                     "parsed": reference_field(ref, name) if ref else None, "gold": expected})


def score_pages(pages_dir: str | Path = PAGES) -> PagesScore:
    """Parse every ``NNN.txt`` under ``pages_dir`` that has a ``NNN.json`` gold, and score it."""
    score = PagesScore()
    for gold_path in sorted(Path(pages_dir).glob("*.json")):
        text_path = gold_path.with_suffix(".txt")
        if not text_path.exists():
            continue
        article = read_article(text_path, require_references=False)
        score_page(article, json.loads(gold_path.read_text(encoding="utf-8")), score, gold_path.stem)
    return score


# --- the seed article --------------------------------------------------------------------

ARTICLE_FIELDS = ("title", "journal", "year", "volume", "issue", "first_page", "doi")
REFERENCE_FIELDS = ("raw", "et_al", "title", "journal", "year", "volume", "issue", "first_page", "last_page",
                    "doi", "pmid", "links")


def seed_differences(article: Article, gold: dict[str, Any]) -> list[str]:
    """Every way ``article`` differs from a seed gold file (empty when it matches exactly)."""
    diffs: list[str] = []
    ga = gold.get("article") or {}
    for name in ARTICLE_FIELDS:
        if name in ga and getattr(article, name) != ga[name]:
            diffs.append(f"article.{name}: {getattr(article, name)!r} != {ga[name]!r}")
    if "authors" in ga:
        want = [Author.from_dict(a) for a in ga["authors"]]
        got = [(a.family, a.given) for a in article.authors]
        if got != [(a.family, a.given) for a in want]:
            diffs.append(f"article.authors: {got!r} != {[(a.family, a.given) for a in want]!r}")
    refs = {r.n: r for r in article.references}
    if len(article.references) != len(gold["references"]):
        diffs.append(f"references: {len(article.references)} found, gold has {len(gold['references'])}")
    for g in gold["references"]:
        ref = refs.get(g["n"])
        if ref is None:
            diffs.append(f"ref {g['n']}: missing")
            continue
        for name in REFERENCE_FIELDS:
            if name in g and getattr(ref, name) != g[name]:
                diffs.append(f"ref {g['n']}.{name}: {getattr(ref, name)!r} != {g[name]!r}")
        want = [Author.from_dict(a) for a in g.get("authors", [])]
        if [(a.family, a.given) for a in ref.authors] != [(a.family, a.given) for a in want]:
            diffs.append(f"ref {g['n']}.authors: {[(a.family, a.given) for a in ref.authors]!r} != "
                         f"{[(a.family, a.given) for a in want]!r}")
    return diffs
