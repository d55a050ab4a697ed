"""CSL-JSON: the item format Zotero, pandoc and every CSL processor read."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from refkit.export.record import ExportRecord, export_records
from refkit.model import Author, Reference

CSL_TYPES = {
    "article": "article-journal",
    "book": "book",
    "chapter": "chapter",
    "paper": "paper-conference",
}


def to_csljson(references: Iterable[Reference]) -> str:
    """A JSON array of CSL items, one per reference, in article order."""
    return json.dumps(csl_items(references), ensure_ascii=False, indent=2) + "\n"


def csl_items(references: Iterable[Reference]) -> list[dict[str, Any]]:
    return [csl_item(record) for record in export_records(references)]


def csl_item(record: ExportRecord, *, notes: list[str] | None = None) -> dict[str, Any]:
    """One CSL item; ``notes`` replaces the record's notes (the text output shows fewer)."""
    kind = CSL_TYPES.get(record.kind, "document")
    if kind == "document" and record.container and not record.publisher:
        kind = "article-journal"  # an unverified citation with a journal name
    item: dict[str, Any] = {"id": record.key, "type": kind, "citation-key": record.key}
    if record.authors:
        item["author"] = [csl_name(a) for a in record.authors]
    values = {
        "title": record.title or (None if record.container else record.raw),
        "container-title": record.container,
        "container-title-short": record.container_short,
        "publisher": record.publisher,
        "volume": record.volume,
        "issue": record.issue,
        "page": "-".join(p for p in (record.first_page, record.last_page) if p) or None,
        "page-first": record.first_page,
        "DOI": record.doi,
        "PMID": record.pmid,
        "PMCID": record.pmcid,
        "URL": record.url,
        "ISSN": record.issn[0] if record.issn else None,
        "note": "; ".join(record.notes if notes is None else notes) or None,
    }
    item.update({k: v for k, v in values.items() if v})
    if record.year:
        item["issued"] = {"date-parts": [[record.year, record.month] if record.month else [record.year]]}
    return item


def csl_name(author: Author) -> dict[str, str]:
    if author.group or not author.given:
        return {"literal": author.family}
    return {"family": author.family, "given": author.given}
