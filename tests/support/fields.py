"""Light normalisation for exact-match scoring: case, punctuation, whitespace, dashes."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from refkit.model import Reference
from refkit.pages import expand_last_page
from refkit.parse.reference import join_lines

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def normalize_field(value: Any) -> str:
    """Fold a field value for comparison: NFKC, dashes, case, punctuation, whitespace."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_DASHES).casefold()
    text = re.sub(r"<[^>]+>", " ", text)  # <i>…</i> in deposited titles
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def fold_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def field_matches(name: str, parsed: Any, gold: Any, first_page: Any = None) -> bool:
    """Whether a parsed value counts as right for gold (gold None is not scored: caller skips).

    ``first_author``: PubMed files particles apart (``de Bruijn`` → ``Bruijn``), so a family
    name is right when it equals the gold or ends with it. ``last_page``: the corpora write a
    lettered range's end two ways (``D387-92`` has gold ``92`` in refs.jsonl, ``S17-21`` has
    ``S21`` in styles.jsonl); given the gold ``first_page``, the gold last page expanded as
    :func:`refkit.pages.expand_last_page` does counts as the same page.
    """
    p, g = normalize_field(parsed), normalize_field(gold)
    if name == "last_page" and first_page and p != g:
        return p == normalize_field(expand_last_page(str(first_page), str(gold)))
    if name == "first_author":
        p, g = fold_accents(p), fold_accents(g)
        return bool(p) and (p == g or p.endswith(" " + g) or p.replace(" ", "").endswith(g.replace(" ", "")))
    return p == g


_PIECE_BREAK = re.compile(r"(?<=[.?!:\"”])\s+|\(\d{4}[a-z]?\)\.?\s*")


def title_printed(raw: str, gold_title: str) -> bool:
    """Whether the gold title is printed whole in the string, between sentence boundaries.

    About 7% of the corpus gold titles are not: the records they come from lost words set in
    italics (species and gene names), so ``Restriction endonuclease analysis of`` stands for
    ``… of Aspergillus fumigatus DNA``. No parser can produce those; this test separates them.
    """
    target = normalize_field(gold_title)
    if not target:
        return False
    pieces = [normalize_field(p) for p in _PIECE_BREAK.split(join_lines(raw))]
    for i in range(len(pieces)):
        run = ""
        for piece in pieces[i : i + 8]:
            run = f"{run} {piece}".strip()
            if run == target or run.endswith(" " + target):
                return True
            if len(run) > len(target) + 200:
                break
    return False


def reference_field(ref: Reference, name: str) -> Any:
    """A parsed reference's value for a gold field name (``first_author`` is the family name)."""
    if name == "first_author":
        return ref.authors[0].family if ref.authors else None
    return getattr(ref, name)
