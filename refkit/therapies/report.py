"""`refkit therapies FILE` as a library call: the report (JSON-ready) and its table.

A file may be a whole case report or just a plain abstract: the parser's parts, where it
finds them, say where each mention is; the whole text is scanned either way, so a file with
no reference section still gets every drug and chemical it names. When ``refs/<stem>.json``
exists (the article was resolved), the canonical records' titles and abstracts are read too.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from refkit.errors import RefkitError
from refkit.messages import warn
from refkit.model import Article, Reference
from refkit.text import blank_long_lines
from refkit.therapies.extraction import extract_article, summarize


def read_for_therapies(path: str, refs_dir: Path | None = None) -> Article:
    """Parse ``path`` without requiring references; attach resolved records if there are.

    Lines too long to be prose a person pasted are blanked (offsets of the rest stay true),
    as the parser skips them; a file of nothing else is an error.
    """
    from refkit.parse import read_article
    from refkit.parse.sections import MAX_LINE

    if path != "-" and Path(path).suffix.lower() == ".json":
        raise RefkitError(f"{path} is JSON, not article text (give the case report; resolved "
                          "refs/<stem>.json files are read from --refs-dir)")
    article = read_article(path, require_references=False)
    text = blank_long_lines(article.text or "", MAX_LINE)
    if text != article.text:
        if not text.strip():
            raise RefkitError(f"nothing to read in {path}: it only has lines over {MAX_LINE:,} characters")
        for warning in article.warnings:
            if "skipped" in warning:
                warn(f"{path}: {warning}")
        article.text = text
    if refs_dir is not None and path != "-":
        resolved = Path(refs_dir) / f"{Path(path).stem}.json"
        if resolved.is_file():
            _attach_resolved(article, resolved)
    return article


def therapies_report(article: Article) -> dict[str, Any]:
    """``mentions`` (offsets into the file's text: drugs, chemicals, procedures, chemical
    classes), ``class_mentions`` (pharmacological classes), ``record_mentions`` (resolved
    records' titles/abstracts, no offsets) and ``therapies`` (one per normalised name).
    Each mention has ``status`` (given, not-given, stopped, switched, planned, allergic,
    history, mentioned), ``dose``, ``route``, ``frequency``, ``duration`` and ``level``."""
    mentions = extract_article(article)
    placed = [m for m in mentions if m.start is not None]
    return {
        "source": article.source,
        "mentions": [m.to_dict() for m in placed if not m.pharmacological_class],
        "class_mentions": [m.to_dict() for m in placed if m.pharmacological_class],
        "record_mentions": [m.to_dict() for m in mentions if m.start is None],
        "therapies": [t.to_dict() for t in summarize(mentions)],
    }


def therapies_table(report: dict[str, Any], width: int = 120) -> str:
    from rich.console import Console
    from rich.table import Table

    therapies = report["therapies"]
    table = Table(title=f"{report.get('source') or 'input'}: {len(therapies)} therapies and chemicals",
                  title_justify="left")
    for column in ("name", "kind", "ids", "where", "doses", "given", "status"):
        table.add_column(column, overflow="fold")
    for t in sorted(therapies, key=lambda t: (not t["given_in_case"], t["kind"] == "class", t["name"])):
        ids = " ".join(f"{k}:{t[k]}" for k in ("mesh", "drugbank") if t.get(k))
        statuses = [s for s in t.get("statuses", []) if s != "mentioned"]
        table.add_row(t["name"], t["kind"], ids, ", ".join(t["where"]), "; ".join(t["doses"]),
                      "yes" if t["given_in_case"] else "", ", ".join(statuses))
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False).print(table)
    return buffer.getvalue().rstrip("\n")


def _attach_resolved(article: Article, path: Path) -> None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        resolved = {r.get("n"): Reference.from_dict(r) for r in doc.get("references") or []}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise RefkitError(f"{path} is damaged ({err}); re-run `refkit resolve` or delete it") from None
    for ref in article.references:
        other = resolved.get(ref.n)
        if other is not None and other.match is not None:
            ref.match, ref.work = other.match, other.work
