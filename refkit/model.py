"""The one data model that flows through the pipeline.

``Article`` (parse) → ``Reference`` (parse) → ``Match`` (resolve) → ``Work`` (resolve).
Every stage adds to these objects; none throws a reference away. Outcomes are data:
a reference that cannot be parsed or matched keeps its ``raw`` text and carries a
status and a reason.
"""

from __future__ import annotations

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
    """A canonical bibliographic record, whatever source it came from (Crossref, PubMed, the
    local catalog): the only shape a source hands the matcher and the exporters.

    Source adapters (``refkit.resolve.crossref_records``, ``refkit.resolve.pubmed_records``)
    build it; nothing downstream reads a source's own field names.
    """

    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    title: str | None = None
    subtitle: str | None = None
    other_titles: list[str] = field(default_factory=list)  # translations, original-language titles
    authors: list[Author] = field(default_factory=list)  # in order, the first author first
    container_title: str | None = None  # the journal's full name
    short_container_title: str | None = None  # its NLM/ISO abbreviation, when the record has one
    year: int | None = None  # the issue date: print when known, else the earliest date given
    month: int | None = None
    print_year: int | None = None
    online_year: int | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    article_number: str | None = None  # e-locator ("e1234") of an article without pages
    type: str | None = None  # CSL/Crossref type: journal-article, posted-content, book-chapter, …
    issn: list[str] = field(default_factory=list)
    url: str | None = None
    abstract: str | None = None
    publisher: str | None = None
    # {"type", "doi", "source", "label", "date"}: notices recorded against this work / that this is
    updated_by: list[dict[str, Any]] = field(default_factory=list)
    update_to: list[dict[str, Any]] = field(default_factory=list)
    preprint_of: list[str] = field(default_factory=list)  # DOIs of the published versions
    # PubMed indexing: {"descriptor", "id", "qualifiers": [...], "major": bool}
    mesh: list[dict[str, Any]] = field(default_factory=list)
    origin: str | None = None  # which source gave it ("crossref", "pubmed", "catalog", …)

    @property
    def years(self) -> list[int]:
        """Every year the record gives (issued, print, online), ascending."""
        return sorted({y for y in (self.year, self.print_year, self.online_year) if y})

    @property
    def key(self) -> str:
        """The work's identity: ``doi:…``, else ``pmid:…``, else ``pmcid:…``."""
        if self.doi:
            return f"doi:{self.doi.lower()}"
        if self.pmid:
            return f"pmid:{self.pmid}"
        return f"pmcid:{(self.pmcid or '').upper()}"

    def merge(self, other: Work) -> Work:
        """This work with what ``other`` (the same work from another source) adds: identifiers,
        MeSH, an abstract, a print year, missing fields. This work's own values win."""
        merged = Work.from_dict(self.to_dict())
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(merged, name), getattr(other, name)
            if mine in (None, "", []) and theirs not in (None, "", []):
                setattr(merged, name, theirs)
        return merged

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            d[name] = [a.to_dict() for a in value] if name == "authors" else value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Work:
        kwargs = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        kwargs["authors"] = [Author.from_dict(a) for a in d.get("authors") or []]
        for name in ("other_titles", "issn", "updated_by", "update_to", "preprint_of", "mesh"):
            kwargs[name] = list(d.get(name) or [])
        return cls(**kwargs)


@dataclass
class Match:
    """The resolver's decision for one reference, with its reasons.

    ``evidence`` maps a field name (title, author, year, volume, issue, page, journal, doi)
    to what was compared: ``{"cited": …, "record": …, "score": float, "verdict": str}``.
    ``ids`` says which source gave which identifier (``{"doi": "crossref", "pmid": "pubmed"}``).
    """

    status: MatchStatus
    doi: str | None = None
    confidence: float = 0.0
    source: str | None = None  # "crossref", "catalog", "pubmed", …
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)  # runner-ups: doi, confidence
    pmid: str | None = None
    pmcid: str | None = None
    ids: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "doi": self.doi,
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "confidence": round(self.confidence, 3),
            "source": self.source,
            "ids": self.ids,
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
            d.get("pmid"),
            d.get("pmcid"),
            dict(d.get("ids") or {}),
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
    pmid: str | None = None
    pmcid: str | None = None
    keywords: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
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
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "keywords": self.keywords,
            "affiliations": self.affiliations,
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
            pmid=a.get("pmid"),
            pmcid=a.get("pmcid"),
            keywords=list(a.get("keywords") or []),
            affiliations=list(a.get("affiliations") or []),
            abstract=a.get("abstract"),
            body=a.get("body"),
            captions=[Caption.from_dict(c) for c in a.get("captions") or []],
            references=[Reference.from_dict(r) for r in d.get("references") or []],
            warnings=list(d.get("warnings") or []),
        )
