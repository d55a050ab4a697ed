"""The Crossref adapter: a Crossref work record (an item of ``message.items``) → :class:`Work`.

The only place in refkit that knows Crossref's field names (``container-title``, ``date-parts``,
``updated-by``…). The client, the local catalog's importer and the test server's records all
pass through :func:`work_from_crossref`.
"""

from __future__ import annotations

import re
from typing import Any

from refkit.dates import date_parts
from refkit.errors import SourceError, SourceUnavailable
from refkit.model import Author, Reference, Work
from refkit.pages import split_page_range
from refkit.text import first_text, strip_markup


def _year_month(record: dict[str, Any], key: str) -> tuple[int | None, int | None]:
    value = record.get(key)
    if not isinstance(value, dict):
        return None, None
    parts = value.get("date-parts") or [[]]
    year, month, _ = date_parts(parts[0] if parts else None)
    return year, month


def _titles(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [strip_markup(str(v)) for v in values if v]


def _update(u: dict[str, Any]) -> dict[str, Any]:
    updated = u.get("updated") or {}
    date = updated.get("date-time")
    if not date and updated.get("date-parts"):
        date = "-".join(str(p) for p in (updated["date-parts"] or [[]])[0] if p) or None
    return {"type": u.get("type"), "doi": u.get("DOI"), "source": u.get("source"),
            "label": u.get("label"), "date": date}


def _authors(record: dict[str, Any]) -> list[Author]:
    raw = [a for a in record.get("author") or [] if isinstance(a, dict)]
    # Deposits mark the first author with sequence "first"; put it first when it is not.
    first = next((a for a in raw if a.get("sequence") == "first"), None)
    if first is not None and raw and raw[0] is not first:
        raw = [first] + [a for a in raw if a is not first]
    authors = []
    for a in raw:
        if a.get("family"):
            authors.append(Author(str(a["family"]), a.get("given")))
        elif a.get("name"):
            authors.append(Author(str(a["name"]), None, group=True))
    return authors


def work_from_crossref(record: dict[str, Any], origin: str = "crossref") -> Work:
    """A :class:`Work` from a Crossref work record; fields Crossref lacks stay empty."""
    titles = _titles(record.get("title"))
    if record.get("original-title"):
        titles = list(dict.fromkeys(titles + _titles(record["original-title"])))
    elif len(titles) > 1:
        titles = list(dict.fromkeys(titles))
    print_year, print_month = _year_month(record, "published-print")
    online_year, online_month = _year_month(record, "published-online")
    issued_year, issued_month = _year_month(record, "issued")
    if issued_year is None:
        issued_year, issued_month = _year_month(record, "published")
    if issued_year is None:
        issued_year, issued_month = _year_month(record, "created")
    # The issue a citation names is the printed one; Crossref's ``issued`` is the earlier date.
    year, month = (print_year, print_month) if print_year else (issued_year, issued_month)
    page = record.get("page")
    first_page, last_page = split_page_range(page if isinstance(page, str) else None)
    article_number = record.get("article-number")
    relation = record.get("relation") or {}
    preprint_of = [
        str(rel.get("id")).strip().lower()
        for rel in relation.get("is-preprint-of") or []
        if isinstance(rel, dict) and str(rel.get("id") or "").strip().lower().startswith("10.")
    ]
    doi = str(record.get("DOI") or "").strip() or None
    return Work(
        doi=doi,
        title=titles[0] if titles else None,
        subtitle=first_text(record.get("subtitle")) or None,
        other_titles=titles[1:],
        authors=_authors(record),
        container_title=first_text(record.get("container-title")) or None,
        short_container_title=first_text(record.get("short-container-title")) or None,
        year=year,
        month=month,
        print_year=print_year,
        online_year=online_year or (issued_year if issued_year and issued_year != print_year else None),
        volume=str(record["volume"]) if record.get("volume") else None,
        issue=str(record["issue"]) if record.get("issue") else None,
        first_page=first_page or (str(article_number) if article_number else None),
        last_page=last_page,
        article_number=str(article_number) if article_number else None,
        type=record.get("type"),
        issn=[str(i) for i in record.get("ISSN") or []],
        url=record.get("URL"),
        abstract=strip_markup(record["abstract"]) if record.get("abstract") else None,
        publisher=record.get("publisher"),
        updated_by=[_update(u) for u in record.get("updated-by") or [] if isinstance(u, dict)],
        update_to=[_update(u) for u in record.get("update-to") or [] if isinstance(u, dict)],
        preprint_of=preprint_of,
        origin=origin,
    )


def query_text(ref: Reference) -> str:
    """What to ask a bibliographic search for: the whole reference string (Crossref's advice),
    without the web residue the parser set aside (``ref.links``) and line-end hyphens."""
    text = ref.raw
    for label in ref.links:
        text = re.sub(rf"\[?\s*{re.escape(label)}\s*\]?", " ", text)
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return " ".join(text.split())


class CrossrefSource:
    """Crossref as a :class:`~refkit.resolve.source.Source`: the client's records become Works.

    The client (``refkit.resolve.crossref.CrossrefClient``) is the one module that talks to
    Crossref; this adapter only translates.
    """

    name = "crossref"
    local = False

    def __init__(self, client: Any) -> None:
        self.client = client

    @property
    def concurrency(self) -> int:
        return int(getattr(self.client, "concurrency", 1) or 1)

    identifiers = frozenset(["doi"])  # Crossref knows works by DOI only

    def lookup(self, *, doi: str | None = None, pmid: str | None = None,
               pmcid: str | None = None) -> list[Work]:
        if not doi:
            return []
        record = self._call(self.client.lookup, doi)
        return [work_from_crossref(record)] if record and record.get("DOI") else []

    def search(self, ref: Reference, rows: int = 5) -> list[Work]:
        records = self._call(self.client.search, query_text(ref), rows) or []
        return [work_from_crossref(r) for r in records if r.get("DOI")]

    def _call(self, method: Any, *args: Any) -> Any:
        """The client's own errors, in the kinds every source raises."""
        from refkit.resolve.crossref import CrossrefError, CrossrefUnavailable

        try:
            return method(*args)
        except (SourceError, SourceUnavailable):
            raise
        except CrossrefUnavailable as err:
            raise SourceUnavailable(str(err)) from err
        except CrossrefError as err:
            raise SourceError(str(err), status=getattr(err, "status", None)) from err

    def summary(self) -> str:
        return str(self.client.summary()) if hasattr(self.client, "summary") else ""

    def close(self) -> None:
        self.client.close()
