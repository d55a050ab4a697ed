"""One flat record per reference: what every export format writes.

The choice between canonical and cited metadata is made here, once, so BibTeX, RIS,
CSL-JSON and the formatted text can never disagree about a reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from refkit.export.keys import base_key, unique_keys
from refkit.export.style import journal_abbreviation, nlm_form, print_year, sentence_case
from refkit.model import Author, Reference
from refkit.text import fold_ascii

UNVERIFIED_NOTE = "refkit: unverified"

# Crossref work types → the few kinds the exporters distinguish.
_KINDS = {
    "journal-article": "article",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "reference-entry": "chapter",
    "proceedings-article": "paper",
}

# Crossref update types → the word every output (exports, tables, the report) flags them with.
UPDATE_LABELS = {
    "retraction": "RETRACTED",
    "withdrawal": "WITHDRAWN",
    "removal": "REMOVED",
    "expression_of_concern": "EXPRESSION OF CONCERN",
    "expression-of-concern": "EXPRESSION OF CONCERN",
    "correction": "CORRECTED",
    "erratum": "CORRECTED",
    "corrigendum": "CORRECTED",
}


@dataclass
class ExportRecord:
    """A reference's exportable metadata (plain Unicode; each format encodes it)."""

    key: str
    n: int | None
    kind: str  # article | book | chapter | paper | other
    verified: bool
    raw: str = ""
    authors: list[Author] = field(default_factory=list)
    et_al: bool = False
    title: str | None = None
    container: str | None = None  # journal or book title (the record's full name when it has one)
    container_short: str | None = None  # the journal's NLM/ISO abbreviation: what the styles print
    publisher: str | None = None
    year: int | None = None  # the print year (the record's), else the cited one
    month: int | None = None
    cited_year: int | None = None  # the year the citation gives, when it differs from ``year``
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    url: str | None = None
    issn: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # retractions, corrections: loud

    @property
    def journal(self) -> str | None:
        """The journal name every style prints: the abbreviation, else the name there is."""
        return self.container_short or self.container

    @property
    def flags(self) -> list[str]:
        """What the citation says differently from the record, for the data exports' notes."""
        return [f"cited as {self.cited_year}"] if self.cited_year else []

    @property
    def notes(self) -> list[str]:
        """Notices first (they matter most), then flags, then the unverified flag."""
        return self.notices + self.flags + ([] if self.verified else [UNVERIFIED_NOTE])

    @property
    def pages(self) -> str | None:
        """``971–982`` style range with an en dash, or the single page."""
        if self.first_page and self.last_page and self.last_page != self.first_page:
            return f"{self.first_page}–{self.last_page}"
        return self.first_page or None


def is_confident(ref: Reference) -> bool:
    """Canonical metadata is used only for a confident match with a record attached."""
    return ref.match is not None and ref.match.status == "matched" and ref.work is not None


def export_records(references: Iterable[Reference]) -> list[ExportRecord]:
    """Every reference, resolved or not, in article order, with unique citation keys."""
    references = list(references)
    records = [_record(ref, i) for i, ref in enumerate(references, 1)]
    bases = [_key_base(ref) for ref in references]
    for record, key in zip(records, unique_keys(bases), strict=True):
        record.key = key
    return records


def _key_base(ref: Reference) -> str:
    """Keys come from the citation as printed (stable whether or not it resolves)."""
    work = ref.work if is_confident(ref) else None
    family = ref.authors[0].family if ref.authors else None
    if not family and work and work.authors:
        family = work.authors[0].family
    year = ref.year or (work.year if work else None)
    title = ref.title or (work.title if work else None)
    return base_key(family, year, title)


def _clean(text: str | None) -> str | None:
    """Collapse whitespace (including newlines and control characters) to single spaces."""
    if text is None:
        return None
    cleaned = re.sub(r"[\s\x00-\x1f\x7f]+", " ", str(text)).strip()
    return cleaned or None


def _clean_doi(doi: str | None) -> str | None:
    doi = _clean(doi)
    if not doi:
        return None
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)


def _record(ref: Reference, position: int) -> ExportRecord:
    n = ref.n if ref.n is not None else position
    notices = _notices(ref)
    pmid, pmcid = identifiers(ref)
    if is_confident(ref):
        work = ref.work
        assert work is not None
        cited_title = _clean(ref.title)
        title = _uncapitalised_title(_clean(work.title), cited_title)
        subtitle = _clean(work.subtitle)
        if title and subtitle and subtitle.lower() not in title.lower():
            title = f"{title}: {subtitle}"
        authors = _uncapitalised_names(_clean_authors(work.authors), ref.authors)
        year = print_year(work) or ref.year
        kind = _KINDS.get(work.type or "journal-article", "other")
        return ExportRecord(
            key="",
            n=n,
            kind=kind,
            verified=True,
            raw=_clean(ref.raw) or "",
            authors=authors or _clean_authors(ref.authors),
            # A cited "et al." with a record no longer than the cited names: the record is short.
            et_al=ref.et_al and len(authors) <= len(ref.authors),
            title=sentence_case(title, cited_title) or cited_title,
            container=_clean(work.container_title) or _clean(ref.journal),
            container_short=_clean(journal_abbreviation(ref, work)) if kind == "article" else
            _clean(work.short_container_title),
            publisher=_clean(work.publisher),
            year=year,
            month=work.month if work.year and work.year == year else None,
            cited_year=ref.year if ref.year and year and ref.year != year else None,
            volume=_clean(work.volume),
            issue=_clean(work.issue),
            first_page=_clean(work.first_page),
            last_page=_clean(work.last_page),
            doi=_clean_doi(work.doi) or _clean_doi(ref.doi),
            pmid=pmid,
            pmcid=pmcid,
            url=_clean(work.url) or _clean(ref.url),
            issn=[i for i in (_clean(x) for x in work.issn) if i],
            notices=notices,
        )
    return ExportRecord(
        key="",
        n=n,
        kind="article" if ref.journal else "other",
        verified=False,
        raw=_clean(ref.raw) or "",
        authors=_clean_authors(ref.authors),
        et_al=ref.et_al,
        title=sentence_case(_clean(ref.title)),
        container=_clean(ref.journal),
        container_short=_clean(nlm_form(ref.journal)),
        year=ref.year,
        volume=_clean(ref.volume),
        issue=_clean(ref.issue),
        first_page=_clean(ref.first_page),
        last_page=_clean(ref.last_page),
        doi=_clean_doi(ref.doi),
        pmid=pmid,
        pmcid=pmcid,
        url=_clean(ref.url),
        notices=notices,
    )


def identifiers(ref: Reference) -> tuple[str | None, str | None]:
    """(PMID, PMCID): the record's, else the match's (a source may give them), else the cited ones."""
    work = ref.work if is_confident(ref) else None
    match = ref.match

    def pick(name: str) -> str | None:
        for holder in (work, match, ref):
            value = _clean(getattr(holder, name, None)) if holder is not None else None
            if value:
                return value
        return None

    pmcid = pick("pmcid")
    return pick("pmid"), pmcid.upper() if pmcid else None


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _uncapitalised_title(title: str | None, cited: str | None) -> str | None:
    """A record title in capitals (as some deposits are) gives way to the cited spelling of the
    same title, else to sentence case; otherwise every word would look like an acronym."""
    if not title:
        return title
    letters = [c for c in title if c.isalpha()]
    if len(letters) < 12 or sum(c.isupper() for c in letters) < 0.9 * len(letters):
        return title
    if cited and fuzz.ratio(fold_ascii(title).lower(), fold_ascii(cited).lower()) >= 90:
        return cited
    return title[:1] + title[1:].lower()


def _uncapitalised_names(authors: list[Author], cited: list[Author]) -> list[Author]:
    """``DALAKAS`` → the cited ``Dalakas`` (or ``Dalakas`` by title case) for names deposited in capitals."""
    spelled = {fold_ascii(a.family).lower(): a.family for a in cited if a.family}
    for author in authors:
        if not author.group and _shouting(author.family):
            author.family = spelled.get(fold_ascii(author.family).lower()) or author.family.title()
        if author.given and _shouting(author.given) and re.search(r"[A-Z]{3,}", author.given):  # not initials
            author.given = author.given.title()
    return authors


def _clean_authors(authors: list[Author]) -> list[Author]:
    cleaned = [Author(_clean(a.family) or "", expand_initials(_clean(a.given)), a.group) for a in authors]
    return [a for a in cleaned if a.family]


def expand_initials(given: str | None) -> str | None:
    """Vancouver initials as printed (``MC``) become ``M. C.``: two given names, not one."""
    if given and re.fullmatch(r"[A-Z]{1,4}", given):
        return " ".join(f"{c}." for c in given)
    return given


def update_notices(ref: Reference) -> list[dict]:
    """The update notices against a reference: its own, and its record's when it is verified."""
    updates = list(ref.updates)
    if is_confident(ref) and ref.work is not None:
        updates += [u for u in ref.work.updated_by if u not in updates]
    return updates


def _notices(ref: Reference) -> list[str]:
    """``RETRACTED (retraction 10.x/y, 2019-07-26)`` for each update notice, deduplicated."""
    updates = update_notices(ref)
    notices: list[str] = []
    for update in updates:
        kind = str(update.get("type") or "update").lower()
        label = UPDATE_LABELS.get(kind, "UPDATED")
        details = ", ".join(
            _clean(str(x)) or "" for x in (update.get("doi"), (update.get("date") or "")[:10]) if x
        )
        if not details and update.get("label"):  # e.g. a title that says it was retracted
            details = f"- {_clean(str(update['label']))}"
        text = f"{label} ({kind.replace('_', ' ')}{' ' + details if details else ''})"
        if text not in notices:
            notices.append(text)
    return notices
