"""A PubMed-side catalog built from the corpus pages, and PMID scoring against it.

The corpus gives each cited work's PMID (``pmid`` in ``pages/NNN.json``) with its title, journal,
year, volume and pages; ``catalog.jsonl`` adds the authors of the works Crossref holds. From
these :func:`build` writes PubMed XML records the way NLM prints them (``MedlinePgn`` abbreviated
``1101-4``, titles ending in a full stop, ``Family`` + ``Initials``), leaves a share of the works
out on purpose (a PMID given for one of those is wrong), and adds near-miss distractors under
PMIDs no real record has (≥ 90,000,000): a published erratum of the cited paper, the same title
by other authors in another journal and year, another article of the same issue, and another
paper by the same first author in the same journal. ``seed`` draws all of it; the held-out
catalog is the same recipe with another seed.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from support.paths import CORPUS
from support.resolve import catalog_records, page_ids, parsed_article, score_articles

DEV_SEED = 0
HELD_OUT_SEED = 1
DISTRACTOR_BASE = 90_000_000
DISTRACTOR_KINDS = ("erratum", "same-title", "same-issue", "same-author")


@dataclass
class PubMedCatalog:
    articles: list[str]  # PubmedArticle XML
    expect: dict[tuple[str, int], str | None]  # (page, n) -> the PMID a resolver should give
    left_out: set[str] = field(default_factory=set)
    distractors: dict[str, str] = field(default_factory=dict)  # PMID -> kind


def _initials(given: str | None) -> str:
    return "".join(part[0].upper() for part in (given or "").replace("-", " ").replace(".", " ").split())


def _nlm_pages(first: str | None, last: str | None) -> str:
    """``1101``–``1104`` as NLM prints it: ``1101-4``."""
    if not first:
        return ""
    if not last or last == first:
        return first
    if first.isdigit() and last.isdigit() and len(first) == len(last):
        i = 0
        while i < len(first) - 1 and first[i] == last[i]:
            i += 1
        return f"{first}-{last[i:]}"
    return f"{first}-{last}"


def article_xml(w: dict[str, Any]) -> str:
    """One PubmedArticle for a work ``{pmid, title, authors: [(family, initials)], journal,
    abbrev, year, volume, issue, first_page, last_page, doi, types, erratum_for}``."""
    authors = "".join(
        f'<Author ValidYN="Y"><LastName>{escape(f)}</LastName>'
        + (f"<Initials>{escape(i)}</Initials>" if i else "")
        + "</Author>"
        for f, i in w.get("authors") or []
    )
    author_list = f'<AuthorList CompleteYN="Y">{authors}</AuthorList>' if authors else ""
    types = "".join(
        f"<PublicationType>{escape(t)}</PublicationType>" for t in w.get("types") or ["Journal Article"]
    )
    comments = ""
    if w.get("erratum_for"):
        comments = (
            '<CommentsCorrectionsList><CommentsCorrections RefType="ErratumFor">'
            f'<RefSource>{escape(w["abbrev"])}</RefSource><PMID Version="1">{w["erratum_for"]}</PMID>'
            "</CommentsCorrections></CommentsCorrectionsList>"
        )
    pgn = _nlm_pages(w.get("first_page"), w.get("last_page"))
    title = w["title"].rstrip(".") + "."
    ids = f'<ArticleId IdType="pubmed">{w["pmid"]}</ArticleId>'
    if w.get("doi"):
        ids += f'<ArticleId IdType="doi">{escape(w["doi"])}</ArticleId>'
    year = f"<Year>{w['year']}</Year>" if w.get("year") else ""
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{w["pmid"]}</PMID>'
        f'<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print">'
        + (f"<Volume>{escape(w['volume'])}</Volume>" if w.get("volume") else "")
        + (f"<Issue>{escape(w['issue'])}</Issue>" if w.get("issue") else "")
        + f"<PubDate>{year}</PubDate></JournalIssue><Title>{escape(w['journal'])}</Title>"
        f"<ISOAbbreviation>{escape(w['abbrev'])}</ISOAbbreviation></Journal>"
        f"<ArticleTitle>{escape(title)}</ArticleTitle>"
        + (f"<Pagination><MedlinePgn>{escape(pgn)}</MedlinePgn></Pagination>" if pgn else "")
        + f"{author_list}<Language>eng</Language><PublicationTypeList>{types}</PublicationTypeList></Article>"
        f"<MedlineJournalInfo><MedlineTA>{escape(w['abbrev'])}</MedlineTA></MedlineJournalInfo>{comments}"
        f"</MedlineCitation><PubmedData><PublicationStatus>ppublish</PublicationStatus>"
        f"<ArticleIdList>{ids}</ArticleIdList></PubmedData></PubmedArticle>"
    )


# "Rakic P,", "van de Lavoir MC,", "Fuligni, A. J.": the family name, then initials.
_PRINTED_NAME = re.compile(r"\s*([^\W\d_][\w'\u2019-]*(?:\s+[^\W\d_][\w'\u2019-]*){0,2}?),?\s+([A-Z]{1,3})\b")


def _work_of(g: dict[str, Any], record: dict[str, Any] | None) -> dict[str, Any]:
    authors = []
    if record:
        authors = [
            (a["family"], _initials(a.get("given"))) for a in record.get("author") or [] if a.get("family")
        ]
    if not authors and g.get("first_author"):
        authors = [(g["first_author"], "")]
    if not authors:  # PubMed always has the authors: take the first as the string prints it
        m = _PRINTED_NAME.match(g.get("raw") or "")
        if m:
            authors = [(m.group(1).strip(), m.group(2))]
    abbrev = g.get("journal_abbrev") or g.get("journal") or ""
    full = ((record or {}).get("container-title") or [abbrev])[0] or abbrev
    return {
        "pmid": g["pmid"],
        "title": g.get("title") or "",
        "authors": authors,
        "journal": full,
        "abbrev": abbrev,
        "year": g.get("year"),
        "volume": g.get("volume"),
        "issue": (record or {}).get("issue"),
        "first_page": g.get("first_page"),
        "last_page": g.get("last_page"),
        "doi": g.get("doi"),
    }


def _distractor(kind: str, w: dict[str, Any], other: dict[str, Any], pmid: str) -> dict[str, Any]:
    d = {**w, "pmid": pmid, "doi": None}
    page = w.get("first_page") or ""
    later = str(int(page) + 37) if page.isdigit() else (other.get("first_page") or "1")
    if kind == "erratum":
        d.update(
            title=f"Erratum: {w['title']}",
            types=["Published Erratum"],
            erratum_for=w["pmid"],
            first_page=later,
            last_page=None,
            authors=[],
            year=(w["year"] or 2000) + 1 if w.get("year") else None,
        )
    elif kind == "same-title":
        d.update(
            authors=other["authors"] or [("Other", "A")],
            journal=other["journal"],
            abbrev=other["abbrev"],
            year=(w["year"] + 3) if w.get("year") else None,
            volume=other.get("volume"),
            first_page=other.get("first_page"),
            last_page=other.get("last_page"),
        )
    elif kind == "same-issue":
        d.update(title=other["title"], authors=other["authors"], first_page=later, last_page=None)
    elif kind == "same-author":
        d.update(
            title=other["title"],
            year=(w["year"] - 2) if w.get("year") else None,
            volume=str(int(w["volume"]) - 2) if (w.get("volume") or "").isdigit() else other.get("volume"),
            first_page=other.get("first_page"),
            last_page=other.get("last_page"),
        )
    return d


def build(
    seed: int = DEV_SEED,
    *,
    leave_out: float = 0.10,
    distractor_rate: float = 0.5,
    dois_beyond_crossref: bool = False,
    corpus: Path = CORPUS,
) -> PubMedCatalog:
    """The PubMed-side catalog of the corpus pages (see the module's docstring).

    The works ``catalog.jsonl`` leaves out carry no DOI here either (as PubMed holds many records
    without one), so the DOI figures stay comparable with a Crossref-only run; with
    ``dois_beyond_crossref`` they carry their DOI, and PubMed supplies DOIs Crossref's side lacks.
    """
    rng = random.Random(seed)
    records = {r["DOI"].lower(): r for r in catalog_records(corpus) if r.get("DOI")}
    works: dict[str, dict[str, Any]] = {}
    cited: list[tuple[str, int, str | None]] = []
    for page in page_ids(corpus):
        gold = json.loads((corpus / "pages" / f"{page}.json").read_text(encoding="utf-8"))["references"]
        for g in gold:
            pmid = g.get("pmid")
            cited.append((page, g["n"], pmid))
            if pmid and pmid not in works:
                record = records.get((g.get("doi") or "").lower())
                works[pmid] = _work_of(g, record)
                if record is None and not dois_beyond_crossref:
                    works[pmid]["doi"] = None
    pmids = sorted(works)
    left_out = {p for p in pmids if rng.random() < leave_out}
    kept = [p for p in pmids if p not in left_out]
    articles = [article_xml(works[p]) for p in kept]
    distractors: dict[str, str] = {}
    for p in kept:
        if rng.random() >= distractor_rate:
            continue
        kind = rng.choice(DISTRACTOR_KINDS)
        other = works[rng.choice(pmids)]
        pmid = str(DISTRACTOR_BASE + len(distractors))
        distractors[pmid] = kind
        articles.append(article_xml(_distractor(kind, works[p], other, pmid)))
    expect = {(page, n): (pmid if pmid and pmid not in left_out else None) for page, n, pmid in cited}
    return PubMedCatalog(articles, expect, left_out, distractors)


# --- scoring --------------------------------------------------------------------------------------
@dataclass
class PmidScore:
    given: int = 0
    correct: int = 0
    expected: int = 0
    wrong: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.given if self.given else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0


@dataclass
class Run:
    pmid: PmidScore
    doi: Any  # support.resolve.Score
    true_doi: tuple[int, int]  # (given DOIs that are the work's own, DOIs given)
    seconds: float
    requests: int
    throttled: int
    max_per_second: int
    client: str


def score_pmids(resolved: Iterable[tuple[str, Any]], expect: dict[tuple[str, int], str | None]) -> PmidScore:
    score = PmidScore()
    for page, article in resolved:
        by_n = {r.n: r for r in article.references}
        for (p, n), want in expect.items():
            if p != page:
                continue
            ref = by_n.get(n)
            match = ref.match if ref else None
            got = match.pmid if match and match.status == "matched" else None
            score.expected += want is not None
            if got:
                score.given += 1
                if got == want:
                    score.correct += 1
                else:
                    score.wrong.append(
                        f"{page}#{n}: gave {got}, expect {want}: {match.reason if match else ''}"
                    )
            elif want:
                why = f"{match.status}: {match.reason}" if match else "not parsed"
                score.misses.append(f"{page}#{n}: expect {want}: {why}")
    return score


def true_doi_precision(resolved: Iterable[tuple[str, Any]], corpus: Path = CORPUS) -> tuple[int, int]:
    """(DOIs given that are the cited work's own DOI, DOIs given): PubMed gives the DOI of works
    left out of the Crossref catalog, which the Crossref-side ``expect`` (null there) counts wrong."""
    right = given = 0
    for page, article in resolved:
        gold = {g["n"]: g for g in json.loads((corpus / "pages" / f"{page}.json").read_text())["references"]}
        for ref in article.references:
            if ref.match and ref.match.status == "matched" and ref.match.doi and ref.n in gold:
                given += 1
                right += (gold[ref.n].get("doi") or "").lower() == ref.match.doi.lower()
    return right, given


def run(
    catalog: PubMedCatalog,
    *,
    api_key: str | None = "test-key",
    pages: list[str] | None = None,
    crossref: bool = True,
    corpus: Path = CORPUS,
) -> Run:
    """Resolve the pages against the loopback Crossref server (``catalog.jsonl``; left out when
    not ``crossref``, so every reference is searched in PubMed) and a loopback
    E-utilities server serving ``catalog``, with an empty local catalog and cache."""
    from refkit.errors import SourceError
    from refkit.resolve import resolve_article
    from refkit.resolve.catalog import LocalCatalog
    from refkit.resolve.crossref import CrossrefClient
    from refkit.resolve.crossref_records import CrossrefSource
    from refkit.resolve.pubmed import EutilsClient
    from refkit.resolve.pubmed_records import PubMedSource
    from refkit.settings import Settings
    from support.crossref_server import CrossrefServer
    from support.eutils_server import EutilsServer

    with (
        tempfile.TemporaryDirectory() as tmp,
        CrossrefServer(catalog_records(corpus), rate_limit=(1000, "1s"), concurrency=8) as crossref_server,
        EutilsServer(catalog.articles) as eutils,
    ):
        settings = Settings(
            api_url=crossref_server.url,
            pubmed_url=eutils.url,
            ncbi_api_key=api_key,
            cache_dir=Path(tmp),
            mailto="refkit-tests@example.org",
        )
        local = LocalCatalog(settings)
        client = EutilsClient(settings)
        pubmed = PubMedSource(client)
        sources = [local, CrossrefSource(CrossrefClient(settings)), pubmed] if crossref else [local, pubmed]
        resolved = []
        start = time.perf_counter()
        try:
            for page in pages or page_ids(corpus):
                article = parsed_article(page)
                with contextlib.suppress(SourceError):  # the references are still searched one by one
                    pubmed.prepare(article.references)
                resolve_article(article, settings, sources=sources)
                resolved.append((page, article))
        finally:
            local.close()
        seconds = time.perf_counter() - start
        expect = {k: v for k, v in catalog.expect.items() if pages is None or k[0] in pages}
        return Run(
            score_pmids(resolved, expect),
            score_articles(resolved, corpus),
            true_doi_precision(resolved, corpus),
            seconds,
            eutils.requests,
            eutils.throttled,
            eutils.max_per_second,
            client.summary(),
        )
