"""The matcher's decisions as data: every (reference, candidate) pair the resolver weighs, labelled.

The confidence model is fitted and calibrated on these (``scripts/fit_confidence.py``,
``bench/calibration.py``). A pair is labelled right when the candidate's DOI is the gold ``expect``
of its reference; a reference whose work is absent from the catalog (``expect`` null) has only
wrong candidates, the near misses the catalog holds for it.

Sets: the 40 corpus pages and the 41 style pages (one style each) against the catalog, plain and
with deposit quirks, and the style pages with the title cut out of every reference (as ACS, RSC
and physics styles print them). Split by page, so a held-out style is never seen in training.
"""

from __future__ import annotations

import copy
import re
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refkit.model import Article, Work
from refkit.parse import parse_reference
from refkit.resolve.catalog import LocalCatalog
from refkit.resolve.confidence import Decision, Model, features, log_odds, probability
from refkit.resolve.matcher import Validation
from refkit.resolve.pipeline import Resolver, resolve_article
from refkit.settings import Settings
from support.paths import CORPUS
from support.resolve import catalog_records, deposit_quirks, gold_references, page_ids, parsed_article

STYLES = CORPUS / "styles"
HELD_OUT_SHARE = 4  # one page in four (by a hash of its name) is held out


@dataclass
class Pair:
    """One candidate weighed for one reference."""

    group: str  # the data set: corpus, styles, styles-untitled (+ "/quirks")
    page: str
    n: int | None
    expect: str | None
    doi: str | None
    label: bool  # the candidate is the cited work (its gold DOI, or a second deposit identical to it)
    evidence: dict[str, dict[str, Any]]  # the matcher's verdicts (with the year's offset kept)
    veto: bool
    rank: int  # 0: the resolver's best candidate for this reference
    confidence: float = 0.0  # under the model in use when collected
    logit: float = 0.0

    @property
    def features(self) -> dict[str, float]:
        return features(self.evidence)


@dataclass
class Pairs:
    items: list[Pair] = field(default_factory=list)

    def split(self) -> tuple[list[Pair], list[Pair]]:
        train = [p for p in self.items if not held_out(p.page)]
        test = [p for p in self.items if held_out(p.page)]
        return train, test


def held_out(page: str) -> bool:
    """Whether a page belongs to the held-out split: decided by its name alone, the same in every set
    (a style page held out is held out plain, with quirks and without titles)."""
    return zlib.crc32(page.encode()) % HELD_OUT_SHARE == 0


class RecordingResolver(Resolver):
    """A resolver that keeps the last list of validations it weighed for each reference."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.weighed: dict[int, list[Validation]] = {}

    def _validate_all(self, ref, pool, doi, pmid):  # type: ignore[no-untyped-def]
        found = super()._validate_all(ref, pool, doi, pmid)
        self.weighed[id(ref)] = found
        return found


_TITLE_TAIL = r"[\s.,:;?!\"'\u201c\u201d\u2018\u2019]*"


def untitled(raw: str, title: str | None) -> str:
    """The reference as a title-less style prints it: the title and its quotes and stop cut out."""
    if not title:
        return raw
    words = [re.escape(w) for w in title.split()]
    pattern = re.compile(r"[\"'\u201c\u2018]?" + r"\s+".join(words) + _TITLE_TAIL, re.IGNORECASE)
    m = pattern.search(raw)
    if not m:
        return raw
    return (raw[: m.start()].rstrip() + " " + raw[m.end() :].lstrip()).strip()


def untitled_article(page: str, corpus: Path = STYLES) -> Article:
    refs = []
    for g in gold_references(page, corpus):
        ref = parse_reference(untitled(g["raw"], g.get("title")))
        ref.n = g["n"]
        refs.append(ref)
    return Article(source=page, references=refs)


def collect(
    sets: Iterable[tuple[str, Any, list[str], Path]], records: list[dict[str, Any]]
) -> Iterator[Pair]:
    """Resolve each set's pages (``(group, make_article, pages, corpus)``) against one temporary
    catalog of ``records``; yield every pair weighed."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp), offline=True)
        catalog = LocalCatalog(settings)
        catalog.add_records(records)
        try:
            resolver = RecordingResolver([catalog])
            for group, make_article, pages, corpus in sets:
                for page in pages:
                    yield from _page_pairs(group, page, make_article(page), corpus, resolver, settings)
        finally:
            catalog.close()


def _page_pairs(
    group: str, page: str, article: Article, corpus: Path, resolver: RecordingResolver, settings: Settings
) -> Iterator[Pair]:
    gold = {g["n"]: g.get("expect") for g in gold_references(page, corpus)}
    resolve_article(article, settings, resolver=resolver)
    for ref in article.references:
        if ref.n not in gold:
            continue
        expect = gold[ref.n]
        weighed = resolver.weighed.pop(id(ref), [])
        cited = next((v.work for v in weighed if _is(v.doi, expect)), None)
        for rank, v in enumerate(weighed):
            evidence = copy.deepcopy(v.evidence)
            if "year.off" in v.features:
                evidence["year"]["off"] = int(v.features["year.off"])
            right = _is(v.doi, expect) or (cited is not None and v.work is not None and _twin(cited, v.work))
            yield Pair(group, page, ref.n, expect, v.doi, right, evidence, bool(v.veto), rank,
                       v.confidence, v.logit)


def _is(doi: str | None, expect: str | None) -> bool:
    return bool(doi and expect and doi.lower() == expect.lower())


def _twin(a: Work, b: Work) -> bool:
    """The same journal article deposited twice under two DOIs: it is the cited work as much as the
    gold record is (the resolver must call it a tie, and precision still counts only the gold DOI)."""
    fields = ("title", "container_title", "volume", "first_page", "type", "year")
    same = all(getattr(a, f) == getattr(b, f) for f in fields)
    return same and [x.family for x in a.authors] == [x.family for x in b.authors]


def decisions(
    *,
    quirk_seeds: Iterable[int] = (0,),
    pages_per_set: int | None = None,
    only: Callable[[str], bool] | None = None,
) -> Pairs:
    """Every pair over the corpus pages, the style pages and the title-less style pages, against the
    catalog and against its deposit-quirk variants (one per seed). ``only`` keeps the pages it says
    yes to (``held_out``), ``pages_per_set`` the first of those in each set (a fast subset for tests)."""
    records = catalog_records()
    catalogs = [("", records)] + [(f"/quirks{s}", deposit_quirks(records, seed=s)) for s in quirk_seeds]
    corpus_pages = [p for p in page_ids(CORPUS) if only is None or only(p)][:pages_per_set]
    style_pages = [p for p in page_ids(STYLES) if only is None or only(p)][:pages_per_set]
    out = Pairs()
    for suffix, recs in catalogs:
        sets = [
            ("corpus" + suffix, parsed_article, corpus_pages, CORPUS),
            ("styles" + suffix, lambda p: parsed_article(p, STYLES), style_pages, STYLES),
            ("styles-untitled" + suffix, untitled_article, style_pages, STYLES),
        ]
        out.items += collect(sets, recs)
    return out


# --- calibration -------------------------------------------------------------------------------------


def load_or_collect(quirk_seeds: list[int], cache: Path | None = None) -> Pairs:
    """The decisions, from ``cache`` (a pickle a previous run kept) or collected now (and kept
    there): what the fit script and the calibration bench both start from."""
    import pickle

    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())  # a file this script wrote itself
    pairs = decisions(quirk_seeds=quirk_seeds)
    if cache is not None:
        cache.write_bytes(pickle.dumps(pairs))
    return pairs


@dataclass
class Bin:
    low: float
    high: float
    count: int
    mean_confidence: float
    accuracy: float

    @property
    def gap(self) -> float:
        return abs(self.mean_confidence - self.accuracy)


def reliability(confidences: list[float], labels: list[bool], bins: int = 10) -> list[Bin]:
    """Equal-width confidence bins: how many decisions, their mean confidence, how many were right."""
    out = []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        inside = [(c, y) for c, y in zip(confidences, labels, strict=True)
                  if low <= c < high or (i == bins - 1 and c == 1.0)]
        if not inside:
            out.append(Bin(low, high, 0, 0.0, 0.0))
            continue
        out.append(Bin(low, high, len(inside), sum(c for c, _ in inside) / len(inside),
                       sum(y for _, y in inside) / len(inside)))
    return out


def reliability_table(table: list[Bin]) -> str:
    lines = ["confidence    count  mean conf  accuracy   gap"]
    for b in table:
        if b.count:
            lines.append(f"{b.low:.1f}-{b.high:.1f}  {b.count:8d}  {b.mean_confidence:9.3f}  "
                         f"{b.accuracy:8.3f}  {b.gap:5.3f}")
        else:
            lines.append(f"{b.low:.1f}-{b.high:.1f}  {0:8d}")
    return "\n".join(lines)


# --- decisions under a model ---------------------------------------------------------------------------


def rescore(pairs: Iterable[Pair], using: Model | None = None) -> None:
    """Give each pair the logit and confidence of ``using`` (the shipped model by default), with the
    runtime's rules (veto, author cap) applied."""
    for p in pairs:
        p.logit = log_odds(p.evidence, vetoed=p.veto, using=using)
        p.confidence = probability(p.logit)


def by_reference(pairs: Iterable[Pair]) -> list[list[Pair]]:
    """The pairs of each reference, best first (as the resolver ranks: unvetoed, then by logit)."""
    groups: dict[tuple[str, str, int | None], list[Pair]] = defaultdict(list)
    for p in pairs:
        groups[(p.group, p.page, p.n)].append(p)
    return [sorted(g, key=lambda p: (not p.veto, p.logit), reverse=True) for g in groups.values()]


@dataclass
class Outcome:
    right: int
    given: int
    expected: int
    references: int

    @property
    def precision(self) -> float:
        return self.right / self.given if self.given else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    def __str__(self) -> str:
        return (f"precision {self.precision:.4f} recall {self.recall:.4f} ({self.right} right / {self.given} "
                f"given / {self.expected} expected, {self.references} references)")


def outcome(refs: list[list[Pair]], d: Decision) -> Outcome:
    """What the resolver would answer under ``d``: the best acceptable candidate, unless a rival is
    within the tie margin."""
    right = given = expected = 0
    for g in refs:
        expected += bool(g[0].expect)
        ok = [p for p in g if not p.veto and p.confidence >= d.accept]
        if not ok or (len(ok) > 1 and ok[0].logit - ok[1].logit < d.tie_margin):
            continue
        given += 1
        right += _is(ok[0].doi, ok[0].expect)
    return Outcome(right, given, expected, len(refs))
