"""Score resolve against the corpus pages: precision and recall of DOIs against gold ``expect``.

precision = correct DOIs / DOIs given; recall = correct DOIs / references whose ``expect`` is
not null (null: the work is not in the catalog, so any DOI there is wrong).
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refkit.model import Article, Author, Reference
from refkit.resolve.catalog import LocalCatalog
from refkit.settings import Settings
from support.paths import CORPUS  # noqa: E402


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
        resolve_article(article, settings, sources=sources)
        resolved.append((page, article))
    return score_articles(resolved, corpus)


def catalog_records(corpus: Path = CORPUS) -> list[dict[str, Any]]:
    lines = (corpus / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def score_catalog(
    make_article: Callable[[str], Article] | None = None,
    *,
    corpus: Path = CORPUS,
    pages: list[str] | None = None,
    records: list[dict[str, Any]] | None = None,
) -> Score:
    """Resolve the pages against a temporary local catalog holding ``records`` (``catalog.jsonl``)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp), offline=True)
        catalog = LocalCatalog(settings)
        if records is None:
            catalog.import_file(corpus / "catalog.jsonl")
        else:
            catalog.add_records(records)
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
    records: list[dict[str, Any]] | None = None,
) -> Score:
    """Resolve the pages against the loopback Crossref server serving ``records`` (``catalog.jsonl``),
    with an empty catalog and cache."""
    from refkit.resolve.crossref import CrossrefClient
    from refkit.resolve.crossref_records import CrossrefSource
    from support.crossref_server import CrossrefServer

    if records is None:
        records = catalog_records(corpus)
    with (
        tempfile.TemporaryDirectory() as tmp,
        CrossrefServer(records, latency=latency, rate_limit=rate_limit, concurrency=concurrency) as server,
    ):
        settings = Settings(
            api_url=server.url,
            cache_dir=Path(tmp),
            mailto="refkit-tests@example.org",
        )
        catalog = LocalCatalog(settings)
        try:
            sources = [catalog, CrossrefSource(CrossrefClient(settings))]
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


# --- more deposit quirks, one family at a time ----------------------------------------------------
# What real Crossref deposits carry and the development catalog lacks. Each family can be switched on
# alone (to see what it costs) or all together; near misses get them too, so a looser rule shows up
# as a wrong DOI, not only as a recovered miss.

_ISO4 = {
    "j": "journal", "am": "american", "med": "medicine", "clin": "clinical", "res": "research",
    "surg": "surgery", "int": "international", "br": "british", "eur": "european", "soc": "society",
    "assoc": "association", "biol": "biology", "chem": "chemistry", "pharmacol": "pharmacology",
    "neurol": "neurology", "cardiol": "cardiology", "oncol": "oncology", "pediatr": "pediatrics",
    "dermatol": "dermatology", "radiol": "radiology", "psychiatry": "psychiatry", "sci": "science",
    "acad": "academy", "ann": "annals", "arch": "archives", "rev": "reviews", "rep": "reports",
    "immunol": "immunology", "endocrinol": "endocrinology", "gastroenterol": "gastroenterology",
    "physiol": "physiology", "invest": "investigation", "lett": "letters", "proc": "proceedings",
    "natl": "national", "infect": "infectious", "dis": "diseases", "nephrol": "nephrology",
    "ophthalmol": "ophthalmology", "urol": "urology", "genet": "genetics", "pathol": "pathology",
    "microbiol": "microbiology", "biochem": "biochemistry", "mol": "molecular", "cell": "cell",
    "exp": "experimental", "hum": "human", "anat": "anatomy", "orthop": "orthopaedics",
}
_GROUPS = ("The {} Study Group", "{} Collaborative Group", "{} Investigators", "Writing Committee for the {}")
_FOREIGN_TITLES = (
    "Tratamiento quirúrgico de las lesiones complejas: experiencia de un centro",
    "Prise en charge diagnostique et thérapeutique: à propos d'un cas",
    "Behandlung und Verlauf bei Patienten mit seltenen Erkrankungen",
    "Trattamento chirurgico delle lesioni complesse: esperienza monocentrica",
)
_PARTICLE_PREFIXES = ("van der ", "de ", "von ", "van ", "da ", "del ")
_LIGATURES = {"fi": "\ufb01", "fl": "\ufb02", "ff": "\ufb00"}
_SPELLED_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "κ": "kappa", "δ": "delta"}

DEPOSIT_QUIRKS = (
    "entities",  # &amp; &lt; <sub>/<sup>, <mml:math> in titles
    "unicode",  # curly quotes, no-break spaces, ligatures, Greek letters spelled out or as symbols
    "brackets",  # trailing period, [Review], [Article in French], the whole title in brackets
    "split",  # title cut into title + subtitle at a colon or a full stop; original-title
    "truncated",  # title cut by the depositor (at a word or mid-word)
    "pages",  # e-locators, article-number only, S12-S15, a single page, roman numerals
    "volume",  # "84 Suppl 1", issue ranges "3-4", no volume
    "authors",  # none, group names only or first, given/family swapped, particles, hyphens, accents
    "container",  # the journal's full name only (no short title)
    "dates",  # print date missing, issued one or two years before print
    "duplicates",  # a preprint / book-chapter reprint / second journal deposit of the same paper
)


def deposit_quirks(
    records: list[dict[str, Any]], quirks: Iterable[str] = DEPOSIT_QUIRKS, *, seed: int = 0, rate: float = 0.5
) -> list[dict[str, Any]]:
    """Copies of ``records`` where a share ``rate`` carry one quirk drawn from ``quirks``.

    ``duplicates`` adds records (other DOIs under ``10.5555/dup.``); a second *journal* deposit of
    the same paper makes the right answer ``ambiguous``, so that family costs recall by design.
    """
    import copy
    import random

    chosen = list(quirks)
    unknown = set(chosen) - set(DEPOSIT_QUIRKS)
    if unknown:
        raise ValueError(f"unknown deposit quirk(s): {', '.join(sorted(unknown))}")
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for n, original in enumerate(records):
        r = copy.deepcopy(original)
        out.append(r)
        if not chosen or rng.random() > rate:
            continue
        quirk = rng.choice(chosen)
        if quirk == "duplicates":
            out.append(_duplicate(r, n, rng))
        else:
            _QUIRKERS[quirk](r, rng)
    return out


def _title(r: dict[str, Any]) -> str:
    return (r.get("title") or [""])[0]


def _q_entities(r: dict[str, Any], rng: Any) -> None:
    title = _title(r).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    words = title.split()
    kind = rng.choice(["sub", "sup", "mml", "amp"])
    digits = [i for i, w in enumerate(words) if any(c.isdigit() for c in w) and w.isalnum()]
    if kind in ("sub", "sup") and digits:
        i = rng.choice(digits)
        w = words[i]
        cut = next(k for k, c in enumerate(w) if c.isdigit()) or len(w) - 1
        words[i] = f"{w[:cut]}<{kind}>{w[cut:]}</{kind}>"
    elif kind == "mml" and len(words) > 3:
        i = rng.randrange(len(words))
        words[i] = f'<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:mi>{words[i]}</mml:mi></mml:math>'
    elif " and " in title:
        title = title.replace(" and ", " &amp; ", 1)
        words = title.split()
    r["title"] = [" ".join(words)]


def _q_unicode(r: dict[str, Any], rng: Any) -> None:
    title = _title(r)
    kind = rng.choice(["quotes", "nbsp", "ligature", "greek", "dash"])
    if kind == "quotes":
        title = title.replace("'", "\u2019").replace('"', "\u201c", 1).replace('"', "\u201d", 1)
        words = title.split()
        if len(words) > 4 and "\u2019" not in title:
            i = rng.randrange(1, len(words) - 1)
            words[i] = f"\u201c{words[i]}\u201d"
            title = " ".join(words)
    elif kind == "nbsp":
        title = "".join("\u00a0" if c == " " and rng.random() < 0.5 else c for c in title)
    elif kind == "ligature":
        for plain, lig in _LIGATURES.items():
            title = title.replace(plain, lig)
    elif kind == "greek":
        for symbol, name in _SPELLED_GREEK.items():
            if symbol in title:
                title = title.replace(symbol, name)
            else:
                title = re.sub(rf"\b{name}\b", symbol, title, flags=re.IGNORECASE)
    else:
        title = title.replace("-", "\u2010").replace(" - ", " \u2014 ")
    r["title"] = [title]


def _q_brackets(r: dict[str, Any], rng: Any) -> None:
    title = _title(r).rstrip(".")
    kind = rng.choice(["period", "review", "language", "translated"])
    if kind == "period":
        title += "."
    elif kind == "review":
        title += ". [Review]" if rng.random() < 0.5 else " [Review]."
    elif kind == "language":
        title += f" [Article in {rng.choice(['French', 'German', 'Spanish', 'Japanese'])}]"
    else:
        title = f"[{title}]."
    r["title"] = [title]


def _q_split(r: dict[str, Any], rng: Any) -> None:
    title = _title(r)
    kind = rng.choice(["colon", "stop", "original"])
    if kind == "original":
        r["original-title"] = [title]
        r["title"] = [rng.choice(_FOREIGN_TITLES)]
        return
    cut = re.search(r"[:.?]\s+(?=\S)" if kind == "colon" else r"[.;]\s+|\s[-\u2013]\s|,\s", title)
    if cut:
        r["title"], r["subtitle"] = [title[: cut.start()]], [title[cut.end() :]]


def _q_truncated(r: dict[str, Any], rng: Any) -> None:
    title = _title(r)
    if len(title) > 70:
        limit = rng.choice([60, 64, 100])
        r["title"] = [title[:limit] if rng.random() < 0.5 else title[:limit].rsplit(" ", 1)[0]]


_ROMAN = ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _q_pages(r: dict[str, Any], rng: Any) -> None:
    page = str(r.get("page") or "")
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", page)
    if not m:
        return
    first, last = m.group(1), m.group(2)
    kind = rng.choice(["elocator", "article-number", "supplement", "single", "roman", "dotted"])
    if kind == "elocator":
        r["page"] = f"e{first}"
    elif kind == "dotted":  # online-only pages numbered after the article's first page
        r["page"] = f"{first}.e1-{first}.e{rng.randrange(2, 9)}"
    elif kind == "article-number":
        r.pop("page")
        r["article-number"] = first if rng.random() < 0.5 else f"e{first}"
    elif kind == "supplement":
        r["page"] = f"S{first}-S{last}" if last else f"S{first}"
    elif kind == "single":
        r["page"] = first
    elif int(first) < 40:  # front matter numbered in roman
        tail = f"-{_roman(int(last))}" if last and int(last) < 40 else ""
        r["page"] = _roman(int(first)) + tail


def _q_volume(r: dict[str, Any], rng: Any) -> None:
    kind = rng.choice(["supplement", "issue-range", "none"])
    if kind == "supplement" and r.get("volume"):
        r["volume"] = f"{r['volume']} {rng.choice(['Suppl 1', 'Suppl', 'Suppl. 2', 'Pt 2'])}"
    elif kind == "issue-range":
        start = rng.randrange(1, 11)
        r["issue"] = f"{start}-{start + 1}"
    else:
        r.pop("volume", None)


def _q_authors(r: dict[str, Any], rng: Any) -> None:
    authors = r.get("author") or []
    first = authors[0] if authors else {}
    family = str(first.get("family") or "")
    journal = ((r.get("container-title") or ["Trial"])[0] or "Trial").split()[0]
    kind = rng.choice(["none", "group-only", "group-first", "swapped", "particle", "hyphen", "accents"])
    if kind == "none":
        r["author"] = []
    elif kind == "group-only":
        r["author"] = [{"name": rng.choice(_GROUPS).format(journal.upper()), "sequence": "first"}]
    elif kind == "group-first":
        rest = [dict(a, sequence="additional") for a in authors]
        r["author"] = [{"name": rng.choice(_GROUPS).format(journal.upper()), "sequence": "first"}, *rest]
    elif kind == "swapped" and family:
        first["given"], first["family"] = family, rng.choice(["Maria", "Jean-Pierre", "Hiroshi", "Anne"])
    elif kind == "particle" and family:
        first["family"] = rng.choice(_PARTICLE_PREFIXES) + family
    elif kind == "hyphen" and family:
        first["family"] = family.replace(" ", "-") if " " in family else family.replace("-", " ")
    elif kind == "accents" and family:
        folded = "".join(c for c in unicodedata.normalize("NFKD", family) if not unicodedata.combining(c))
        if folded != family:
            first["family"] = folded
        else:  # an accent the citation lacks
            first["family"] = family.replace("e", "é", 1).replace("o", "ö", 1)


def _q_container(r: dict[str, Any], rng: Any) -> None:
    short = (r.get("short-container-title") or r.get("container-title") or [""])[0]
    full = " ".join(_ISO4.get(w.lower().rstrip("."), w) for w in short.split()).title()
    r.pop("short-container-title", None)
    r["container-title"] = [full.replace(" Of ", " of ").replace(" And ", " and ")]


def _year_of(r: dict[str, Any]) -> int | None:
    parts = (r.get("issued") or {}).get("date-parts") or [[None]]
    return int(parts[0][0]) if parts and parts[0] and parts[0][0] else None


def _q_dates(r: dict[str, Any], rng: Any) -> None:
    year = _year_of(r)
    if not year:
        return
    early = rng.choice([0, 1, 2])
    r.pop("published-print", None)
    r["published-online"] = {"date-parts": [[year - early, rng.randrange(1, 13)]]}
    r["issued"] = {"date-parts": [[year - early]]}


def _duplicate(r: dict[str, Any], n: int, rng: Any) -> dict[str, Any]:
    import copy

    dup = copy.deepcopy(r)
    dup["DOI"] = f"10.5555/dup.{n:06d}"
    dup.pop("update-to", None)
    dup.pop("updated-by", None)
    kind = rng.choice(["preprint", "preprint", "chapter", "journal"])
    year = _year_of(r)
    if kind == "preprint":
        dup["type"] = "posted-content"
        dup["subtype"] = "preprint"
        for key in ("volume", "issue", "page", "short-container-title", "container-title"):
            dup.pop(key, None)
        dup["institution"] = [{"name": rng.choice(["medRxiv", "bioRxiv", "Research Square", "SSRN"])}]
        if year:
            dup["issued"] = {"date-parts": [[year - rng.choice([0, 1])]]}
        dup["relation"] = {"is-preprint-of": [{"id": r["DOI"], "id-type": "doi", "asserted-by": "subject"}]}
    elif kind == "chapter":
        dup["type"] = "book-chapter"
        dup["container-title"] = [f"Selected Readings in {rng.choice(['Medicine', 'Surgery', 'Pathology'])}"]
        dup.pop("short-container-title", None)
        dup.pop("volume", None)
        dup["page"] = f"{rng.randrange(1, 300)}-{rng.randrange(300, 600)}"
        if year:
            dup["issued"] = {"date-parts": [[year + rng.choice([0, 1, 3])]]}
    # "journal": the same deposit again under another DOI; nothing tells them apart.
    return dup


_QUIRKERS = {
    "entities": _q_entities,
    "unicode": _q_unicode,
    "brackets": _q_brackets,
    "split": _q_split,
    "truncated": _q_truncated,
    "pages": _q_pages,
    "volume": _q_volume,
    "authors": _q_authors,
    "container": _q_container,
    "dates": _q_dates,
}
