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


def _authors(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The authors as ``Author.to_dict`` gives them, the first author first."""
    raw = [a for a in record.get("author") or [] if isinstance(a, dict)]
    # Deposits mark the first author with sequence "first"; put it first when it is not.
    first = next((a for a in raw if a.get("sequence") == "first"), None)
    if first is not None and raw and raw[0] is not first:
        raw = [first] + [a for a in raw if a is not first]
    authors = []
    for a in raw:
        if a.get("family"):
            authors.append({"family": str(a["family"]), "given": a.get("given")})
        elif a.get("name"):
            authors.append({"family": str(a["name"]), "given": None, "group": True})
    return authors


def work_from_crossref(record: dict[str, Any], origin: str = "crossref") -> Work:
    """A :class:`Work` from a Crossref work record; fields Crossref lacks stay empty."""
    fields = crossref_fields(record, origin)
    fields["authors"] = [Author.from_dict(a) for a in fields.get("authors", ())]
    return Work(**fields)


def crossref_fields(record: dict[str, Any], origin: str = "crossref") -> dict[str, Any]:
    """The :class:`Work` fields a Crossref work record gives, the empty ones left out, authors
    as ``Author.to_dict`` gives them: what ``work_from_crossref`` builds its Work from, and what
    the local catalog's import stores and indexes without building one (a Work and its
    ``to_dict`` were a fifth of an import's time)."""
    d: dict[str, Any] = {}
    doi = str(record.get("DOI") or "").strip()
    if doi:
        d["doi"] = doi
    titles = _titles(record.get("title"))
    if record.get("original-title"):
        titles = list(dict.fromkeys(titles + _titles(record["original-title"])))
    elif len(titles) > 1:
        titles = list(dict.fromkeys(titles))
    if titles:
        d["title"] = titles[0]
        if len(titles) > 1:
            d["other_titles"] = titles[1:]
    if record.get("subtitle"):
        subtitle = first_text(record["subtitle"])
        if subtitle:
            d["subtitle"] = subtitle
    authors = _authors(record)
    if authors:
        d["authors"] = authors
    for key, name in (("container-title", "container_title"),
                      ("short-container-title", "short_container_title")):
        if record.get(key):
            text = first_text(record[key])
            if text:
                d[name] = text
    print_year, print_month = _year_month(record, "published-print")
    online_year, _ = _year_month(record, "published-online")
    issued_year, issued_month = _year_month(record, "issued")
    if issued_year is None:
        issued_year, issued_month = _year_month(record, "published")
    if issued_year is None:
        issued_year, issued_month = _year_month(record, "created")
    # The issue a citation names is the printed one; Crossref's ``issued`` is the earlier date.
    year, month = (print_year, print_month) if print_year else (issued_year, issued_month)
    online_year = online_year or (issued_year if issued_year and issued_year != print_year else None)
    for name, value in (("year", year), ("month", month), ("print_year", print_year),
                        ("online_year", online_year)):
        if value is not None:
            d[name] = value
    for key in ("volume", "issue"):
        if record.get(key):
            d[key] = str(record[key])
    page = record.get("page")
    first_page, last_page = split_page_range(page if isinstance(page, str) else None)
    article_number = record.get("article-number")
    first_page = first_page or (str(article_number) if article_number else None)
    if first_page:
        d["first_page"] = first_page
    if last_page:
        d["last_page"] = last_page
    if article_number:
        d["article_number"] = str(article_number)
    for key, name in (("type", "type"), ("URL", "url"), ("publisher", "publisher")):
        value = record.get(key)
        if value is not None and value != "" and value != []:
            d[name] = value
    if record.get("ISSN"):
        d["issn"] = [str(i) for i in record["ISSN"]]
    if record.get("abstract"):
        abstract = strip_markup(record["abstract"])
        if abstract:
            d["abstract"] = abstract
    for key, name in (("updated-by", "updated_by"), ("update-to", "update_to")):
        if record.get(key):
            updates = [_update(u) for u in record[key] if isinstance(u, dict)]
            if updates:
                d[name] = updates
    relation = record.get("relation")
    if relation:
        preprint_of = [
            str(rel.get("id")).strip().lower()
            for rel in relation.get("is-preprint-of") or []
            if isinstance(rel, dict) and str(rel.get("id") or "").strip().lower().startswith("10.")
        ]
        if preprint_of:
            d["preprint_of"] = preprint_of
    if origin:
        d["origin"] = origin
    return d


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
