"""Export: BibTeX (bibtexparser v2), RIS (rispy), CSL-JSON and Vancouver text (citeproc-py).

Every format writes one entry per reference, resolved or not: the canonical record where
the match is confident, the cited fields otherwise (flagged ``refkit: unverified``). Both are
in one style (``refkit.export.style``): NLM journal abbreviations, the print year, sentence-case
titles, Vancouver's "et al."; PMIDs and PMCIDs travel in every format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from refkit.export.bibtex import read_bibtex, to_bibtex
from refkit.export.csljson import csl_items, to_csljson
from refkit.export.record import ExportRecord, export_records
from refkit.export.ris import to_ris
from refkit.export.text import to_text
from refkit.model import Reference

EXPORTERS: dict[str, Callable[[Iterable[Reference]], str]] = {
    "bibtex": to_bibtex,
    "ris": to_ris,
    "csljson": to_csljson,
    "text": to_text,
}

# File extensions for each format (``refkit export -o`` does not need them; others may).
EXTENSIONS = {"bibtex": ".bib", "ris": ".ris", "csljson": ".json", "text": ".txt"}

__all__ = [
    "EXPORTERS",
    "EXTENSIONS",
    "ExportRecord",
    "csl_items",
    "export_records",
    "read_bibtex",
    "to_bibtex",
    "to_csljson",
    "to_ris",
    "to_text",
]
