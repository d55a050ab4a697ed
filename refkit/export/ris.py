"""RIS (``TY  - JOUR`` … ``ER  - ``), written with rispy, for EndNote, Zotero and Mendeley."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import rispy

from refkit.export.record import ExportRecord, export_records
from refkit.model import Reference

RIS_TYPES = {"article": "JOUR", "book": "BOOK", "chapter": "CHAP", "paper": "CPAPER"}


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its ``1.`` counter line before each record."""

    def set_header(self, count: int) -> str:
        return ""


def to_ris(references: Iterable[Reference]) -> str:
    """One RIS record per reference, in article order."""
    records = [ris_record(r) for r in export_records(references)]
    return rispy.dumps(records, implementation=_RisWriter)


def ris_record(record: ExportRecord) -> dict[str, Any]:
    """The record as rispy's field names (its default tag mapping)."""
    kind = RIS_TYPES.get(record.kind, "JOUR" if record.container else "GEN")
    fields: dict[str, Any] = {
        "type_of_reference": kind,
        "id": record.key,
        "authors": [f"{a.family}, {a.given}" if a.given and not a.group else a.family
                    for a in record.authors],
        "title": record.title or (None if record.container else record.raw),
        "secondary_title": record.container,  # T2: journal (or book) title
        "alternate_title1": record.container_short,  # J2: its abbreviation
        "publisher": record.publisher,
        "year": str(record.year) if record.year else None,
        "date": f"{record.year}/{record.month:02d}//" if record.year and record.month else None,
        "volume": record.volume,
        "number": record.issue,
        "start_page": record.first_page,
        "end_page": record.last_page,
        "doi": record.doi,
        "issn": record.issn[0] if record.issn else None,
        "urls": [record.url.replace(";", "%3B")] if record.url else [],  # rispy splits UR on ";"
        "accession_number": record.pmid,  # AN: where EndNote puts the PMID
        "custom2": record.pmcid,  # C2: where PubMed/EndNote put the PMCID
        "notes": record.notes,
    }
    return {k: v for k, v in fields.items() if v}
