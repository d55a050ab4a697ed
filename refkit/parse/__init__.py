"""Parsing: a pasted case report or its JATS XML → :class:`~refkit.model.Article`.

``parse_article`` splits pasted text (or XML content) into parts; ``parse_reference`` reads one
reference string; ``read_article`` reads a file safely and refuses unusable input with one
``RefkitError`` line.
"""

from __future__ import annotations

from pathlib import Path

from refkit.errors import RefkitError
from refkit.model import Article
from refkit.parse.article import parse_article as _parse_text
from refkit.parse.jats import looks_like_xml, parse_jats
from refkit.parse.reference import parse_reference
from refkit.parse.source import read_text

__all__ = ["parse_article", "parse_reference", "read_article"]


def parse_article(text: str, source: str | None = None) -> Article:
    """Split a pasted case report, or JATS XML content, into an :class:`Article`."""
    if looks_like_xml(text):
        return parse_jats(text, source=source)
    return _parse_text(text, source=source)


def read_article(path: str | Path, require_references: bool = True) -> Article:
    """Read ``path`` ('-' = stdin) as pasted text or JATS XML; RefkitError for unusable input.

    With ``require_references`` (the default), an article without a reference section is an error.
    """
    name = str(path)
    text = read_text(name)
    if name.lower().endswith(".xml") or looks_like_xml(text):
        article = parse_jats(text, source=name)
    else:
        article = _parse_text(text, source=name)
    if require_references and not article.references:
        skipped = [w for w in article.warnings if w.startswith("line ") and "skipped" in w]
        raise RefkitError(f"no reference section found in {name}" + (f" ({skipped[0]})" if skipped else ""))
    return article

