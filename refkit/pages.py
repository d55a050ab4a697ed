"""Page ranges: the one home for splitting and expanding them.

References abbreviate the last page (``971–82`` is 971–982, ``e101-9`` is e101–e109, ``S12-19``
is S12–S19); records give ranges with any dash, or a comma list. Everything here keeps what
cannot be read as printed, rather than guessing.
"""

from __future__ import annotations

import re

from refkit.text import DASHES

_PAGE = re.compile(r"(?P<prefix>[A-Za-z]{0,2})(?P<digits>\d+)(?P<suffix>[A-Za-z]?)")
_RANGE_SPLIT = re.compile(r"\s*(?:-+|,|\bto\b)\s*")


def split_page_range(pages: str | None) -> tuple[str | None, str | None]:
    """(first, last) of ``"971–982"``, ``"971-82"``, ``"e1234"``, ``"12, 15-17"``; last expanded."""
    if not pages or not str(pages).strip():
        return None, None
    text = str(pages).translate(DASHES).strip()
    first, dash, last = text.partition("-")
    if dash and first.isascii() and first.isdigit() and last.isascii() and last.isdigit():
        # Most records' pages ("971-982", "971-82"): the split and expand_last_page's patterns
        # would find these two numbers and keep or expand the last just so (tests/test_pages.py).
        if len(last) < len(first):
            expanded = first[: len(first) - len(last)] + last
            return first, expanded if int(expanded) >= int(first) else last
        return first, last
    return _split_general(text)


def _split_general(text: str) -> tuple[str | None, str | None]:
    parts = [p for p in _RANGE_SPLIT.split(text) if p]
    if not parts:
        return None, None
    first = parts[0]
    last = parts[-1] if len(parts) > 1 and "," not in text else (parts[1] if len(parts) > 1 else None)
    return first, expand_last_page(first, last)


def expand_last_page(first: str | None, last: str | None) -> str | None:
    """``971``–``82`` → ``982``; ``e101``–``9`` → ``e109``; ``S12``–``19`` → ``S19``.

    The abbreviated last page takes the first page's leading digits and letter prefix. When that
    would put the last page before the first (``975–2``), the range is kept as printed.
    """
    if not first or not last:
        return last
    f, lst = _PAGE.fullmatch(first.strip()), _PAGE.fullmatch(last.strip())
    if not f or not lst:
        return last
    if f["suffix"] and lst["suffix"]:  # "544S–548S": the suffix is the page's letter, dropped
        return lst["prefix"] + lst["digits"]
    if lst["prefix"] and lst["prefix"].lower() != f["prefix"].lower():
        return last  # another kind of page altogether
    prefix = f["prefix"] if not lst["prefix"] else lst["prefix"]
    digits = lst["digits"]
    if len(digits) < len(f["digits"]):
        expanded = f["digits"][: len(f["digits"]) - len(digits)] + digits
        if int(expanded) < int(f["digits"]):
            return last
        digits = expanded
    elif int(digits) < int(f["digits"]):
        return last
    return prefix + digits + lst["suffix"]


def split_glued_volume(run: str, last: str) -> tuple[str, str] | None:
    """``130535``–``547`` → (``130``, ``535``): a volume printed against its first page.

    Styles that set the volume in bold with no space after it lose the boundary in plain text
    (``Brain. 130535–547``). The printed last page gives the first page's shape: the longest tail
    of the digit run, no longer than the last page and no higher than it, is the first page, and
    what comes before it the volume (``44987–1006`` → 44, 987–1006). None when no tail fits, or
    nothing is left for the volume. The caller decides when a range may be read this way: only
    where the reference prints no volume elsewhere, as an abbreviated range (``971–82``) also has
    a first page longer than its last.
    """
    if not (run.isdigit() and last.isdigit()) or len(run) <= len(last):
        return None
    for size in range(len(last), 0, -1):
        first, volume = run[-size:], run[:-size]
        if first[0] != "0" and volume[0] != "0" and int(first) <= int(last):
            return volume, first
    return None
