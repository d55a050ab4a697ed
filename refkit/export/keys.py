"""Citation keys in the style Better BibTeX made familiar: ``dalakas2003polymyositis``.

A key is the first author's family name folded to ASCII lowercase, the year, and the first
significant word of the title. Keys are computed from what the article cites (falling back
to the canonical record), so a key does not change when a later run resolves the reference:
a LaTeX document that cites it keeps compiling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from refkit.text import fold_ascii

__all__ = ["STOPWORDS", "base_key", "fold_ascii", "title_word", "unique_keys"]

# Words a title key skips (Better BibTeX skips function words the same way).
STOPWORDS = frozenset(re.findall(r"\w+",
    "a an the of on in at to for from by with without and or nor but as is are was were be been "
    "its it this that these those into onto about after before between over under via vs versus "
    "do does did not no than then there their our your his her new"
))


def _slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_ascii(text or "").lower())


def title_word(title: str | None) -> str:
    """The first significant word of a title, folded (``polymyositis``); '' if none."""
    for word in re.findall(r"[^\W_]+", title or ""):
        slug = _slug(word)
        if slug and slug not in STOPWORDS and not slug.isdigit():
            return slug
    return ""


def base_key(family: str | None, year: int | str | None, title: str | None) -> str:
    """The key before de-duplication; never empty (``ref`` when nothing is known)."""
    author = _slug(family)
    key = f"{author}{year or ''}{title_word(title)}"
    if not key:
        return "ref"
    if not key[0].isalpha():  # BibTeX keys are safest starting with a letter
        key = "ref" + key
    return key


def _suffixes() -> Iterable[str]:
    """a, b, …, z, aa, ab, …: Better BibTeX's disambiguation suffixes."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def unique_keys(bases: Iterable[str]) -> list[str]:
    """Disambiguate in order: the first keeps its key, later clashes get ``a``, ``b``, …

    A suffixed key never collides with a natural key elsewhere in the list.
    """
    bases = list(bases)
    taken = set(bases)
    seen: set[str] = set()
    keys = []
    for base in bases:
        key = base
        if key in seen:
            key = next(base + s for s in _suffixes() if base + s not in taken)
            taken.add(key)
        seen.add(key)
        keys.append(key)
    return keys
