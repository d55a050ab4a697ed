"""Doses and schedules written right after a drug name.

``Tacrolimus (2 mg/day)`` → ``2 mg/day``; ``PDS (tapering from 1 mg/kg/day)`` →
``1 mg/kg/day (tapering)``; ``Infliximab (300 mg, 1 day)`` → ``300 mg, 1 day``;
``mepivacaine 850 mg`` → ``850 mg``. Only the text between the name and the next name is
read, so a caption mangled by copying (``IVIG (400 mg/day forCyclosporine (100§…``) gives
each drug what stands after it and nothing of its neighbour's.
"""

from __future__ import annotations

import re

_UNIT = r"(?:mg|g|kg|µg|μg|mcg|ug|ng|IU|iu|U|units?|mL|ml|L|mmol|mEq|%)"
_PER = r"(?:\s*/\s*(?:kg|m2|m\^2|m²|day|d|week|wk|month|h|hr|hour|dose|min|body weight)\b)*"
_AMOUNT = rf"(\d+(?:[.,]\d+)?(?:\s*(?:-|–|to)\s*\d+(?:\.\d+)?)?)\s*({_UNIT}{_PER})"
_SCHEDULE = (r"(?:,|\s+for|\s+x|\s+×)\s*(\d+\s*(?:consecutive\s+)?"
             r"(?:days?|weeks?|months?|doses?|times|cycles?|courses?))")
_FREQUENCY = (r"\s+(?P<freq>(?:once|twice|three times|four times)\s+(?:a|per)\s+(?:day|week|month)"
              r"|daily|weekly|monthly)")
_DOSE = re.compile(
    rf"(?P<taper>taper(?:ing|ed)?\s+(?:from|off)?\s*)?{_AMOUNT}(?:{_SCHEDULE})?(?:{_FREQUENCY})?", re.I
)


def dose_after(window: str) -> str | None:
    """The dose at the start of ``window`` (the text after a drug name), or None.

    A dose in brackets right after the name, or an amount right after it; anything further
    away belongs to the sentence, not the drug."""
    m = re.match(r"\s*[(\[]([^()\[\]]*)", window)
    if m:
        inner = m.group(1)
        found = _DOSE.search(inner)
        if found and not inner[: found.start()].strip(" :,;").split()[2:]:
            return _format(found)
        return None
    found = _DOSE.match(window.lstrip(" :,"))
    return _format(found) if found else None


def _format(m: re.Match[str]) -> str:
    amount = re.sub(r"\s+", " ", m.group(2)).replace(",", ".")
    unit = re.sub(r"\s+", "", m.group(3))
    text = f"{amount} {unit}"
    if m.group(4):
        text += ", " + re.sub(r"\s+", " ", m.group(4))
    if m.group("freq"):
        text += " " + re.sub(r"\s+", " ", m.group("freq"))
    if m.group("taper"):
        text += " (tapering)"
    return text
