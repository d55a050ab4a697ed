"""Years and dates: the one home for reading a year out of text or a record."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# A publication year as references print it: 1600–2099, not part of a longer number.
YEAR = r"(?:1[6-9]\d\d|20\d\d)"
YEAR_RE = re.compile(rf"(?<!\d){YEAR}(?!\d)")


def years_in(text: str) -> list[int]:
    """Every plausible publication year in ``text``, in reading order."""
    return [int(y) for y in YEAR_RE.findall(text or "")]


def parse_year(value: Any) -> int | None:
    """A year from an int, or the first year in a string (``"2003 Sep 20"`` → 2003)."""
    if isinstance(value, int):
        return value if 1600 <= value <= 2099 else None
    if value is None:
        return None
    found = years_in(str(value))
    return found[0] if found else None


def date_parts(parts: Sequence[Any] | None) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) from a CSL/Crossref ``[y, m, d]`` list, any of them missing."""
    values: list[int | None] = []
    for p in list(parts or [])[:3]:
        try:
            values.append(int(p) if p not in (None, "") else None)
        except (TypeError, ValueError):
            values.append(None)
    values += [None] * (3 - len(values))
    return values[0], values[1], values[2]
