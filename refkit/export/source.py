"""What ``refkit export`` reads: an article (parsed and resolved on the way) or a refs/<stem>.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from refkit.errors import RefkitError
from refkit.model import Article
from refkit.settings import Settings


def refs_document(text: str) -> dict[str, Any] | None:
    """The parsed document if ``text`` is refkit's JSON (an object with "references"), else None."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get("references"), list):
        return doc
    return None


def load_article(path: str, settings: Settings, *, min_confidence: float | None = None,
                 warn: Callable[[str], None] | None = None) -> Article:
    """A refs JSON as it was saved, or an article file parsed and resolved now."""
    from refkit.parse import parse_article
    from refkit.parse.source import read_text

    text = read_text(path)
    doc = refs_document(text)
    if doc is not None:
        try:
            return Article.from_dict(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise RefkitError(f"{path}: not a refkit references file ({type(err).__name__}: {err})") from None
    if text.lstrip().startswith(("{", "[")):
        raise RefkitError(f'{path} is JSON without a "references" list (expected refs/<stem>.json)')
    article = parse_article(text, source=path)
    if not article.references:
        skipped = [w for w in article.warnings if w.startswith("line ") and "skipped" in w]
        raise RefkitError(f"no reference section found in {path}" + (f" ({skipped[0]})" if skipped else ""))
    from refkit.resolve import DEFAULT_MIN_CONFIDENCE, resolve_article

    threshold = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
    resolve_article(article, settings, min_confidence=threshold, warn=warn)
    return article
