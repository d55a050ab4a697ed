"""The bibliography as formatted text, in Vancouver style, through citeproc-py.

The CSL processor formats each entry; the number in front is the article's own reference
number (a CSL processor would renumber by citation order, which differs if the article
skips or repeats a number).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from refkit.export.csljson import csl_item
from refkit.export.record import ExportRecord, export_records
from refkit.model import Reference

STYLE_PATH = Path(__file__).with_name("data") / "vancouver.csl"


@lru_cache(maxsize=1)
def _style() -> CitationStylesStyle:
    return CitationStylesStyle(str(STYLE_PATH), validate=False)


def to_text(references: Iterable[Reference]) -> str:
    """``1. Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis. Lancet. 2003;362:971-82.``"""
    return "".join(f"{n}. {entry}\n" for n, entry in formatted_entries(references))


def formatted_entries(references: Iterable[Reference]) -> list[tuple[int, str]]:
    """(article number, formatted entry) pairs, in article order."""
    records = export_records(references)
    if not records:
        return []
    items = []
    for record in records:
        # Readers see retractions and corrections; the "unverified" flag stays in data exports.
        item = csl_item(record, notes=record.notices)
        item["id"] = item.pop("citation-key").lower()  # citeproc-py lowercases ids, knows no citation-key
        if record.et_al and len(record.authors) < 7:
            # The citation said "et al.": keep saying it (six names then the style's own et al.).
            item.setdefault("author", []).append({"literal": "et al."})
        items.append(item)
    bibliography = CitationStylesBibliography(_style(), CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns about CSL features it approximates
        rendered = [str(entry) for entry in bibliography.bibliography()]
    pairs = zip(records, rendered, strict=True)
    return [(record.n or i, entry + _identifiers(record)) for i, (record, entry) in enumerate(pairs, 1)]


def _identifiers(record: ExportRecord) -> str:
    """`` PMID: 16754626; PMCID: PMC2977932.`` as NLM ends an entry (nothing when there are none)."""
    ids = [f"{label}: {value}" for label, value in (("PMID", record.pmid), ("PMCID", record.pmcid)) if value]
    return f" {'; '.join(ids)}." if ids else ""
