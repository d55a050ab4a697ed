"""The one data model that flows through the pipeline.

``Article`` (parse) → ``Reference`` (parse) → ``Match`` (resolve) → ``Work`` (resolve).
Every stage adds to these objects; none throws a reference away. Outcomes are data:
a reference that cannot be parsed or matched keeps its ``raw`` text and carries a
status and a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

MatchStatus = Literal["matched", "ambiguous", "unmatched", "error"]


@dataclass
class Author:
    """A person (or a group, with ``given`` None and ``group`` True)."""

    family: str
    given: str | None = None  # initials as printed in references ("MC"), full names from records
    group: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"family": self.family, "given": self.given}
        if self.group:
            d["group"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any] | str) -> Author:
        if isinstance(d, str):  # "Dalakas MC" shorthand, as in gold files
            family, _, given = d.rpartition(" ")
            return cls(family or given, given if family else None)
        return cls(d.get("family") or "", d.get("given"), bool(d.get("group", False)))


@dataclass
class Caption:
    """A figure or table caption (its label, its text, the image file it belongs to)."""

    label: str
    text: str
    image: str | None = None
    start: int | None = None  # offset of ``text`` in Article.text

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "text": self.text, "image": self.image, "start": self.start}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Caption:
        return cls(d["label"], d["text"], d.get("image"), d.get("start"))


@dataclass
class Work:
    """A canonical bibliographic record (a Crossref work), reduced to what refkit uses."""

    doi: str
    title: str | None = None
    subtitle: str | None = None
    authors: list[Author] = field(default_factory=list)
    container_title: str | None = None
    short_container_title: str | None = None
    year: int | None = None  # Crossref ``issued``: the earlier of print and online
    month: int | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    type: str | None = None
    issn: list[str] = field(default_factory=list)
    url: str | None = None
    abstract: str | None = None
    publisher: str | None = None
    # Crossref ``updated-by`` / ``update-to`` entries: {"type", "doi", "source", "label", "date"}
    updated_by: list[dict[str, Any]] = field(default_factory=list)
    update_to: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_crossref(cls, record: dict[str, Any]) -> Work:
        """Build a Work from an item of Crossref's ``message.items`` (or a ``work`` message)."""

        def first(key: str) -> str | None:
            value = record.get(key)
            if isinstance(value, list):
                value = value[0] if value else None
            return strip_markup(value) if isinstance(value, str) else None

        year = month = None
        for key in ("issued", "published-print", "published-online", "created"):
            parts = (record.get(key) or {}).get("date-parts") or [[None]]
            if parts and parts[0] and parts[0][0]:
                year = int(parts[0][0])
                month = int(parts[0][1]) if len(parts[0]) > 1 and parts[0][1] else None
                break
        first_page = last_page = None
        page = record.get("page")
        if isinstance(page, str) and page.strip():
            first_page, _, last_page = page.strip().partition("-")
            last_page = last_page or None
        elif record.get("article-number"):
            first_page = str(record["article-number"])
        authors = []
        for a in record.get("author") or []:
            if a.get("family"):
                authors.append(Author(a["family"], a.get("given")))
            elif a.get("name"):
                authors.append(Author(a["name"], None, group=True))
        return cls(
            doi=str(record.get("DOI", "")),
            title=first("title"),
            subtitle=first("subtitle"),
            authors=authors,
            container_title=first("container-title"),
            short_container_title=first("short-container-title"),
            year=year,
            month=month,
            volume=record.get("volume"),
            issue=record.get("issue"),
            first_page=first_page,
            last_page=last_page,
            type=record.get("type"),
            issn=list(record.get("ISSN") or []),
            url=record.get("URL"),
            abstract=strip_markup(record["abstract"]) if record.get("abstract") else None,
            publisher=record.get("publisher"),
            updated_by=[_update(u) for u in record.get("updated-by") or []],
            update_to=[_update(u) for u in record.get("update-to") or []],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "doi": self.doi,
            "title": self.title,
            "subtitle": self.subtitle,
            "authors": [a.to_dict() for a in self.authors],
            "container_title": self.container_title,
            "short_container_title": self.short_container_title,
            "year": self.year,
            "month": self.month,
            "volume": self.volume,
            "issue": self.issue,
            "first_page": self.first_page,
            "last_page": self.last_page,
            "type": self.type,
            "issn": self.issn,
            "url": self.url,
            "abstract": self.abstract,
            "publisher": self.publisher,
            "updated_by": self.updated_by,
            "update_to": self.update_to,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Work:
        kwargs = dict(d)
        kwargs["authors"] = [Author.from_dict(a) for a in d.get("authors") or []]
        return cls(**{k: v for k, v in kwargs.items() if k in cls.__dataclass_fields__})


def _update(u: dict[str, Any]) -> dict[str, Any]:
    date = (u.get("updated") or {}).get("date-time")
    return {
        "type": u.get("type"),
        "doi": u.get("DOI"),
        "source": u.get("source"),
        "label": u.get("label"),
        "date": date,
    }


@dataclass
class Match:
    """The resolver's decision for one reference, with its reasons.

    ``evidence`` maps a field name (title, author, year, volume, issue, page, journal, doi)
    to what was compared: ``{"cited": …, "record": …, "score": float, "verdict": str}``.
    """

    status: MatchStatus
    doi: str | None = None
    confidence: float = 0.0
    source: str | None = None  # "crossref", "catalog", …
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)  # runner-ups: doi, confidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "doi": self.doi,
            "confidence": round(self.confidence, 3),
            "source": self.source,
            "evidence": self.evidence,
            "reason": self.reason,
            "candidates": self.candidates,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Match:
        return cls(
            d["status"],
            d.get("doi"),
            float(d.get("confidence") or 0.0),
            d.get("source"),
            dict(d.get("evidence") or {}),
            d.get("reason") or "",
            list(d.get("candidates") or []),
        )


@dataclass
class Reference:
    """One numbered reference: the fields as the text states them, plus what resolve adds."""

    raw: str
    n: int | None = None
    authors: list[Author] = field(default_factory=list)
    et_al: bool = False
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    url: str | None = None
    links: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Filled by resolve
    match: Match | None = None
    work: Work | None = None
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "n": self.n,
            "raw": self.raw,
            "authors": [a.to_dict() for a in self.authors],
            "et_al": self.et_al,
            "title": self.title,
            "journal": self.journal,
            "year": self.year,
            "volume": self.volume,
            "issue": self.issue,
            "first_page": self.first_page,
            "last_page": self.last_page,
            "doi": self.doi,
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "url": self.url,
            "links": self.links,
            "warnings": self.warnings,
        }
        if self.match is not None:
            d["match"] = self.match.to_dict()
            d["work"] = self.work.to_dict() if self.work else None
            d["discrepancies"] = self.discrepancies
            d["updates"] = self.updates
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reference:
        return cls(
            raw=d.get("raw", ""),
            n=d.get("n"),
            authors=[Author.from_dict(a) for a in d.get("authors") or []],
            et_al=bool(d.get("et_al", False)),
            title=d.get("title"),
            journal=d.get("journal"),
            year=d.get("year"),
            volume=d.get("volume"),
            issue=d.get("issue"),
            first_page=d.get("first_page"),
            last_page=d.get("last_page"),
            doi=d.get("doi"),
            pmid=d.get("pmid"),
            pmcid=d.get("pmcid"),
            url=d.get("url"),
            links=list(d.get("links") or []),
            warnings=list(d.get("warnings") or []),
            match=Match.from_dict(d["match"]) if d.get("match") else None,
            work=Work.from_dict(d["work"]) if d.get("work") else None,
            discrepancies=list(d.get("discrepancies") or []),
            updates=list(d.get("updates") or []),
        )

    @property
    def key_fields(self) -> dict[str, Any]:
        """The cited fields as a flat dict (what the matcher and exporters read)."""
        return {
            "first_author": self.authors[0].family if self.authors else None,
            "title": self.title,
            "journal": self.journal,
            "year": self.year,
            "volume": self.volume,
            "issue": self.issue,
            "first_page": self.first_page,
            "last_page": self.last_page,
        }


@dataclass
class Article:
    """A case report split into its parts. ``text`` is the whole input, for offsets."""

    text: str = ""
    source: str | None = None
    title: str | None = None
    authors: list[Author] = field(default_factory=list)
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    doi: str | None = None
    abstract: str | None = None
    body: str | None = None
    captions: list[Caption] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def article_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "authors": [a.to_dict() for a in self.authors],
            "journal": self.journal,
            "year": self.year,
            "volume": self.volume,
            "issue": self.issue,
            "first_page": self.first_page,
            "doi": self.doi,
            "abstract": self.abstract,
            "body": self.body,
            "captions": [c.to_dict() for c in self.captions],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "article": self.article_dict(),
            "references": [r.to_dict() for r in self.references],
            "warnings": self.warnings,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], text: str = "") -> Article:
        a = d.get("article") or {}
        return cls(
            text=d.get("text", text),
            source=d.get("source"),
            title=a.get("title"),
            authors=[Author.from_dict(x) for x in a.get("authors") or []],
            journal=a.get("journal"),
            year=a.get("year"),
            volume=a.get("volume"),
            issue=a.get("issue"),
            first_page=a.get("first_page"),
            doi=a.get("doi"),
            abstract=a.get("abstract"),
            body=a.get("body"),
            captions=[Caption.from_dict(c) for c in a.get("captions") or []],
            references=[Reference.from_dict(r) for r in d.get("references") or []],
            warnings=list(d.get("warnings") or []),
        )


_TAG = re.compile(r"</?[a-zA-Z][\w:.-]*(?:\s[^<>]*)?>")


def strip_markup(text: str) -> str:
    """Drop inline XML/HTML tags (``<i>``, ``<jats:p>``) that Crossref deposits carry."""
    return re.sub(r"\s+", " ", _TAG.sub("", text)).strip()
