"""Score resolve against the corpus pages: precision and recall of DOIs against gold ``expect``.

precision = correct DOIs / DOIs given; recall = correct DOIs / references whose ``expect`` is
not null (null: the work is not in the catalog, so any DOI there is wrong).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refkit.model import Article, Author, Reference
from refkit.resolve.catalog import LocalCatalog
from refkit.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "corpus"


@dataclass
class Outcome:
    page: str
    n: int | None
    expect: str | None
    doi: str | None
    status: str
    confidence: float
    reason: str
    raw: str

    @property
    def correct(self) -> bool:
        return self.doi is not None and self.expect is not None and self.doi.lower() == self.expect.lower()


@dataclass
class Score:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def given(self) -> int:
        return sum(o.doi is not None for o in self.outcomes)

    @property
    def correct(self) -> int:
        return sum(o.correct for o in self.outcomes)

    @property
    def expected(self) -> int:
        return sum(o.expect is not None for o in self.outcomes)

    @property
    def precision(self) -> float:
        return self.correct / self.given if self.given else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def wrong(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.doi is not None and not o.correct]

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.expect is not None and o.doi is None]

    def summary(self) -> dict[str, Any]:
        statuses: dict[str, int] = {}
        for o in self.outcomes:
            statuses[o.status] = statuses.get(o.status, 0) + 1
        return {
            "references": len(self.outcomes),
            "expected": self.expected,
            "given": self.given,
            "correct": self.correct,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "statuses": statuses,
        }


def page_ids(corpus: Path = CORPUS) -> list[str]:
    return sorted(p.stem for p in (corpus / "pages").glob("*.txt"))


def gold_references(page: str, corpus: Path = CORPUS) -> list[dict[str, Any]]:
    return json.loads((corpus / "pages" / f"{page}.json").read_text(encoding="utf-8"))["references"]


def article_from_gold(page: str, corpus: Path = CORPUS, *, fields: bool = True) -> Article:
    """An Article built from the gold file (raw text, and the gold fields when ``fields``).

    For tuning the matcher independently of the parser; final figures use the parser.
    """
    refs = []
    for g in gold_references(page, corpus):
        ref = Reference(raw=g["raw"], n=g["n"], links=list(g.get("links") or []))
        if fields:
            ref.title = g.get("title")
            ref.journal = g.get("journal")
            ref.year = g.get("year")
            ref.volume = g.get("volume")
            ref.first_page = g.get("first_page")
            ref.last_page = g.get("last_page")
            if g.get("first_author"):
                ref.authors = [Author(g["first_author"])]
        refs.append(ref)
    return Article(source=page, references=refs)


def parsed_article(page: str, corpus: Path = CORPUS) -> Article:
    """The article as the real parser reads the page text."""
    from refkit.parse import read_article

    return read_article(corpus / "pages" / f"{page}.txt")


def score_articles(articles: Iterable[tuple[str, Article]], corpus: Path = CORPUS) -> Score:
    """Compare resolved articles with gold, pairing references by number."""
    score = Score()
    for page, article in articles:
        by_n = {r.n: r for r in article.references}
        for g in gold_references(page, corpus):
            ref = by_n.get(g["n"])
            match = ref.match if ref else None
            score.outcomes.append(
                Outcome(
                    page,
                    g["n"],
                    g.get("expect"),
                    match.doi if match and match.status == "matched" else None,
                    match.status if match else "missing",
                    match.confidence if match else 0.0,
                    match.reason if match else "reference not found by the parser",
                    g["raw"],
                )
            )
    return score


def run_pages(
    make_article: Callable[[str], Article],
    sources: list[Any],
    *,
    pages: list[str] | None = None,
    settings: Settings | None = None,
    corpus: Path = CORPUS,
) -> Score:
    from refkit.resolve import resolve_article

    settings = settings or Settings()
    resolved = []
    for page in pages or page_ids(corpus):
        article = make_article(page)
        resolve_article(article, settings, sources=sources, warn=lambda msg: None)
        resolved.append((page, article))
    return score_articles(resolved, corpus)


def score_catalog(
    make_article: Callable[[str], Article] | None = None,
    *,
    corpus: Path = CORPUS,
    pages: list[str] | None = None,
) -> Score:
    """Resolve the pages against a temporary local catalog holding ``catalog.jsonl``."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp), seeds_dir=Path(tmp) / "no-seeds", offline=True)
        catalog = LocalCatalog(settings)
        catalog.import_file(corpus / "catalog.jsonl")
        try:
            return run_pages(
                make_article or parsed_article, [catalog], pages=pages, settings=settings, corpus=corpus
            )
        finally:
            catalog.close()


def score_server(
    make_article: Callable[[str], Article] | None = None,
    *,
    corpus: Path = CORPUS,
    pages: list[str] | None = None,
    latency: float = 0.0,
    rate_limit: tuple[int, str] | None = (1000, "1s"),
    concurrency: int | None = 8,
) -> Score:
    """Resolve the pages against the loopback Crossref server, with an empty catalog and cache."""
    from refkit.crossref_server import CrossrefServer
    from refkit.resolve.crossref import CrossrefClient

    records = [
        json.loads(line)
        for line in (corpus / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    with (
        tempfile.TemporaryDirectory() as tmp,
        CrossrefServer(records, latency=latency, rate_limit=rate_limit, concurrency=concurrency) as server,
    ):
        settings = Settings(
            api_url=server.url,
            cache_dir=Path(tmp),
            seeds_dir=Path(tmp) / "no-seeds",
            mailto="refkit-tests@example.org",
        )
        catalog = LocalCatalog(settings)
        try:
            sources = [catalog, CrossrefClient(settings)]
            return run_pages(
                make_article or parsed_article, sources, pages=pages, settings=settings, corpus=corpus
            )
        finally:
            catalog.close()


def report(name: str, score: Score) -> str:
    """The figures, then each wrong DOI and each miss with its reason."""
    s = score.summary()
    lines = [
        f"{name}: precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}  "
        f"({s['correct']} correct / {s['given']} given / {s['expected']} expected; {s['statuses']})"
    ]
    for o in score.wrong():
        lines.append(
            f"  WRONG {o.page}#{o.n}: gave {o.doi}, expect {o.expect} ({o.confidence:.2f}) {o.reason}"
        )
        lines.append(f"        {' '.join(o.raw.split())[:160]}")
    for o in score.misses():
        lines.append(f"  MISS  {o.page}#{o.n}: {o.status}, expect {o.expect}: {o.reason}")
        lines.append(f"        {' '.join(o.raw.split())[:160]}")
    return "\n".join(lines)


# --- deposit quirks: a harder catalog to check that the matcher generalises ----------------------

_EXTRA_WORDS = (
    ": a randomized controlled trial",
    " in adults",
    ": a review",
    " (review)",
    ": preliminary report",
    ": results from a cohort study",
)


def quirky_records(
    records: list[dict[str, Any]], *, seed: int = 0, rate: float = 0.6
) -> list[dict[str, Any]]:
    """Copies of ``records`` with real deposit quirks applied at random (to near misses too).

    Capitals, Title Case, subtitle deposited apart, ``<i>`` markup, truncated titles, extra
    words, missing volume or pages, issued a year early with no print date, family names in
    capitals or without accents, no authors, a ``RETRACTED:`` title prefix.
    """
    import copy
    import random

    rng = random.Random(seed)
    out = []
    for original in records:
        r = copy.deepcopy(original)
        out.append(r)
        if rng.random() > rate:
            continue
        title = (r.get("title") or [""])[0]
        quirk = rng.choice(
            [
                "caps",
                "titlecase",
                "subtitle",
                "markup",
                "truncate",
                "extra",
                "novolume",
                "nopage",
                "early",
                "family",
                "noauthor",
                "retracted",
            ]
        )
        if quirk == "caps":
            r["title"] = [title.upper()]
        elif quirk == "titlecase":
            r["title"] = [title.title()]
        elif quirk == "subtitle" and ": " in title:
            main, _, sub = title.partition(": ")
            r["title"], r["subtitle"] = [main], [sub]
        elif quirk == "markup":
            words = title.split()
            if len(words) > 3:
                i = rng.randrange(len(words))
                words[i] = f"<i>{words[i]}</i>"
                r["title"] = [" ".join(words)]
        elif quirk == "truncate":
            words = title.split()
            if len(words) >= 8:
                r["title"] = [" ".join(words[: max(5, int(len(words) * 0.7))])]
        elif quirk == "extra":
            r["title"] = [title.rstrip(".") + rng.choice(_EXTRA_WORDS)]
        elif quirk == "novolume":
            r.pop("volume", None)
        elif quirk == "nopage":
            r.pop("page", None)
        elif quirk == "early":
            year = ((r.get("issued") or {}).get("date-parts") or [[None]])[0][0]
            if year:
                r["issued"] = {"date-parts": [[int(year) - 1, 12]]}
                r.pop("published-print", None)
        elif quirk == "family":
            for a in r.get("author") or []:
                if a.get("family"):
                    a["family"] = a["family"].upper()
        elif quirk == "noauthor":
            r["author"] = []
        elif quirk == "retracted" and not r.get("update-to"):
            r["title"] = ["RETRACTED: " + title]
    return out
