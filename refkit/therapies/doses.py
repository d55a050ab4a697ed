"""Doses, routes, frequencies, durations and drug levels written right after a drug name.

``Tacrolimus (2 mg/day)`` → dose ``2 mg/day``; ``PDS (tapering from 1 mg/kg/day)`` →
``1 mg/kg/day (tapering)``; ``Infliximab (300 mg, 1 day)`` → ``300 mg, 1 day``;
``methylprednisolone pulse therapy (1,000 mg/day for 3 days)`` → ``1000 mg/day, 3 days`` with
duration ``3 days``; ``tacrolimus 0.075 mg/kg daily in two doses`` → frequency ``daily in two
doses``; ``IV``, ``orally`` → the route. A concentration (``trough 10–12 ng/mL``) is a drug
*level*, never a dose. Only the text between the name and the next name is read, so a caption
mangled by copying (``IVIG (400 mg/day forCyclosporine (100§…``) gives each drug what stands
after it and nothing of its neighbour's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\d+,\d+"
# Units of an amount given; concentrations (per volume) are levels and are matched first.
_CONCENTRATION = (r"(?:ng|µg|μg|mcg|ug|mg|g|mmol|µmol|μmol|nmol|pmol|mEq|IU|U)\s*/\s*"
                  r"(?:mL|ml|dL|dl|L|l)\b")
_UNIT = r"(?:mg|g|kg|µg|μg|mcg|ug|ng|IU|iu|U|units?|mL|ml|L|mmol|mEq|%)(?![A-Za-z])"
_PER = r"(?:\s*/\s*(?:kg|m2|m\^2|m²|day|d|week|wk|month|h|hr|hour|dose|min|body weight)\b)*"
_RANGE = rf"(?:{_NUMBER})(?:\s*(?:-|–|—|to)\s*(?:{_NUMBER}))?"
_AMOUNT = rf"({_RANGE})\s*({_UNIT}{_PER})"
AMOUNT = re.compile(_AMOUNT, re.I)  # an amount with its unit (``10 mg/kg``), anywhere
_SCHEDULE = (r"(?:,|\s+for|\s+x|\s+×)\s*(\d+\s*(?:consecutive\s+)?"
             r"(?:days?|weeks?|months?|doses?|times|cycles?|courses?))")
_FREQ_WORDS = (r"(?:once|twice|three times|four times|every\s+\d+\s*(?:h|hours?|days?|weeks?)|q\d+h)"
               r"(?:\s+(?:a|per|daily|weekly))?(?:\s+(?:day|week|month))?"
               r"|daily(?:\s+in\s+(?:two|three|four|\d)\s+(?:divided\s+)?doses)?|weekly|monthly"
               r"|b\.?i\.?d\.?|t\.?i\.?d\.?|q\.?d\.?|q\.?i\.?d\.?")
_FREQUENCY = rf"\s+(?P<freq>{_FREQ_WORDS})\b"
_DOSE = re.compile(
    rf"(?P<taper>taper(?:ing|ed)?\s+(?:from|off)?\s*)?{_AMOUNT}(?:{_SCHEDULE})?(?:{_FREQUENCY})?", re.I
)
_LEVEL = re.compile(rf"({_RANGE})\s*({_CONCENTRATION})", re.I)
_LEVEL_WORDS = re.compile(r"\b(?:trough|peak|levels?|concentrations?|serum|blood|plasma)\b", re.I)
_ROUTE = re.compile(
    r"\b(?P<route>intravenous(?:ly)?|i\.?v\.?|IV|oral(?:ly)?|p\.?o\.?|per os|subcutaneous(?:ly)?|s\.?c\.?"
    r"|intramuscular(?:ly)?|i\.?m\.?|topical(?:ly)?|inhaled|intrathecal(?:ly)?|intra-articular(?:ly)?"
    r"|sublingual(?:ly)?|transdermal(?:ly)?|rectal(?:ly)?)(?![\w.])", re.I)
_ROUTE_NAMES = {"iv": "intravenous", "i.v.": "intravenous", "i.v": "intravenous", "po": "oral",
                "p.o.": "oral", "p.o": "oral", "per os": "oral", "sc": "subcutaneous", "s.c.": "subcutaneous",
                "s.c": "subcutaneous", "im": "intramuscular", "i.m.": "intramuscular", "i.m": "intramuscular"}
_DURATION = re.compile(r"\bfor\s+(?:(?:another|a further|the next)\s+)?(\d+|one|two|three|four|five|six|"
                       r"seven|eight|nine|ten|twelve)\s+(?:consecutive\s+)?(days?|weeks?|months?|years?)\b",
                       re.I)
# Words that may stand between a name and its dose: ``pulse therapy (…)``, ``was given at 5 mg``.
_BRIDGE = re.compile(r"(?:\s+(?:pulse|therapy|treatment|infusion|injection|tablets?|capsules?|was|were|"
                     r"given|administered|started|at|of|a|an|dose|doses|daily|intravenously|orally|iv|po)\b)"
                     r"{0,4}", re.I)


@dataclass
class Regimen:
    """What the text says of one mention's administration (each None when not written)."""

    dose: str | None = None
    route: str | None = None
    frequency: str | None = None
    duration: str | None = None
    level: str | None = None


def dose_after(window: str) -> str | None:
    """The dose at the start of ``window`` (the text after a drug name), or None."""
    return regimen_after(window).dose


def regimen_after(window: str, before: str = "") -> Regimen:
    """Dose, route, frequency, duration and level in ``window`` (the text after a name, up to
    the next name) and route words in ``before`` (the few words before it: ``IV methotrexate``).

    A dose in brackets right after the name, or an amount right after it (after at most a few
    bridging words such as ``pulse therapy``); anything further away belongs to the sentence,
    not the drug. A concentration is a level, whatever its place."""
    out = Regimen()
    level = _LEVEL.search(window[:90])
    if level and (_LEVEL_WORDS.search(window[max(0, level.start() - 30): level.start()])
                  or _LEVEL_WORDS.search(before)
                  or re.match(r"[\s(\[:,]*$", window[: level.start()])):
        out.level = _amount(level.group(1)) + " " + re.sub(r"\s+", "", level.group(2))
    bridge = _BRIDGE.match(window)
    rest = window[bridge.end():] if bridge else window
    found = None
    m = re.match(r"\s*[(\[]([^()\[\]]*)", rest)
    if m:
        inner = m.group(1)
        cand = _DOSE.search(inner)
        if cand and not inner[: cand.start()].strip(" :,;").split()[2:] and not _is_level(inner, cand):
            found = cand
    else:
        cand = _DOSE.match(rest.lstrip(" :,"))
        if cand and not _is_level(rest.lstrip(" :,"), cand):
            found = cand
    if found:
        out.dose = _format(found)
        if found.group("freq"):
            out.frequency = re.sub(r"\s+", " ", found.group("freq"))
        if found.group(4) and re.search(r"days?|weeks?|months?", found.group(4), re.I):
            out.duration = re.sub(r"\s+", " ", found.group(4))
    scope = window[:80]
    route = _ROUTE.search(scope)
    if route and not window[route.end():].strip():
        route = None  # "… followed by oral prednisolone": the route of the next name
    route = route or _ROUTE.search(before[-25:])
    if route:
        word = route.group("route")
        out.route = _ROUTE_NAMES.get(word.casefold(), re.sub(r"ly$", "", word.casefold()))
    if out.frequency is None:
        freq = re.search(rf"(?<![\w-])(?:{_FREQ_WORDS})\b", scope, re.I)
        if freq and out.dose is not None:
            out.frequency = re.sub(r"\s+", " ", freq.group())
    if out.duration is None and out.dose is not None:
        dur = _DURATION.search(scope)
        if dur:
            out.duration = f"{dur.group(1)} {dur.group(2)}"
    return out


def _is_level(text: str, m: re.Match[str]) -> bool:
    """An amount whose unit goes on per volume (``10 ng/mL``) is a concentration."""
    return bool(re.match(r"\s*/\s*(?:mL|ml|dL|dl|L|l)\b", text[m.end(3):]))


def _amount(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 → 1000
    return text.replace(",", ".").replace("–", "-").replace("—", "-")  # 0,5 → 0.5 (decimal comma)


def _format(m: re.Match[str]) -> str:
    text = _amount(m.group(2)) + " " + re.sub(r"\s+", "", m.group(3))
    if m.group(4):
        text += ", " + re.sub(r"\s+", " ", m.group(4))
    if m.group("freq"):
        text += " " + re.sub(r"\s+", " ", m.group("freq"))
    if m.group("taper"):
        text += " (tapering)"
    return text
