"""The source block at the end of a reference: year, volume, issue, pages.

Styles put the same facts in different orders, so each known order is one pattern matched
against the end of the string (``2003;362(9388):971-82``, ``2008, 28:14329-40``, ``10:88-95``,
``, 41(3), 278-289``, ``38, 452-460 (2007)``, ``vol. 12, no. 3, pp. 45–67``). Patterns are
tried most specific first and searched only in the last stretch of the string, which keeps
the cost per reference small and bounded.
"""

from __future__ import annotations

import re

from refkit.dates import YEAR
from refkit.pages import split_glued_volume

__all__ = ["MONTH", "YEAR", "YEAR_HINT", "match_source_block"]

MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Spring|Summer|Fall|Autumn|Winter)[a-z]*\.?"
_DATE = (
    rf"(?P<year>{YEAR})[a-z]?(?:\s+{MONTH}(?:\s*\d{{1,2}})?"
    rf"(?:\s*[-–/]\s*(?:{MONTH})?\s*(?:\d{{1,2}})?)?)?"
)
_VOLUME = r"(?P<volume>[A-Z]{0,2}\d+[A-Za-z]?(?:[-–—−]\d+)?)(?:\s*(?:Suppl|Supplement|Pt|Part)\.?\s*\w{0,4})?"
_ISSUE = r"(?:\s*\((?P<issue>(?:[^()]|\([^()]{0,10}\)){1,30})\))?"
_DASH = r"\s*[-–—‐‑−]+\s*"
_PAGE = r"[A-Za-z]{0,3}\d+(?:[A-Za-z]\d*)?"
# "pp. 45–67", and "S. 45–67" (German "Seite")
_PAGES = rf"(?:pp?\.?\s*|S\.\s+)?(?P<first>{_PAGE})(?:{_DASH}(?P<last>{_PAGE})|-(?=[\s.]*$))?"
_TAIL_END = r"[\s.,;:(\[]*$"
# Where a source block may stop when notes follow it ("…:2337-43. discussion 2320", ", 1-9").
_TAIL_STOP = r"(?=[.,;]\s|\s*[(\[]|\s*$|\s+[a-z])"

# "vol. 12", "Volume 12", "v.12" (Brazilian and Portuguese styles); "no. 3", "Issue 3", "n° 3", "n. 3"
_VOL_LABEL = r"(?:[Vv]ol\.?|Volume|v\.)"
_NO_LABEL = r"(?:[Nn]o\.?|[Ii]ssue|[Nn][°º]\.?|n\.)"
_LABELLED_TAIL = (
    rf"(?:^|[\s.,])\s*{_VOL_LABEL}\s*{_VOLUME}(?:,?\s*{_NO_LABEL}\s*(?P<issue>[\w-]{{1,10}}))?"
    rf",?\s*{_PAGES}(?:,?\s*(?:{MONTH}\s*)?(?:\d{{1,2}},?\s*)?(?P<year>{YEAR}))?"
)
# MLA: "vol. 138, no. 11, Nov. 2008, pp. 2222-28"
_LABELLED_DATED_TAIL = (
    rf"(?:^|[\s.,])\s*{_VOL_LABEL}\s*{_VOLUME}(?:,?\s*{_NO_LABEL}\s*(?P<issue>[\w-]{{1,10}}))?"
    rf",\s*(?:{MONTH}\s*)?(?:\d{{1,2}},?\s*)?(?P<year>{YEAR}),?\s*{_PAGES}"
)
# Chicago: "Lancet 362, no. 9388 (2003): 971–82", "Lancet 362 (Sept. 2003): 971";
# Elsevier: "Lancet 362 (2003) 971–982"
_CHICAGO_TAIL = (
    rf"(?:^|[\s.,])\s*{_VOLUME}(?:,?\s*{_NO_LABEL}\s*(?P<issue>[\w-]{{1,10}}))?"
    # the date may be numeric: "Med Oncol 24 (10/2006), pp. 125–136"
    rf"\s*\(\s*(?:{MONTH}\s*)?(?:\d{{1,2}},?\s*|\d{{1,2}}/)?(?P<year>{YEAR})\s*\)\s*[:,]?\s*{_PAGES}"
)
# ACM: "Cell. 119, (2004), 941–953", "Surg. 131, 4 (Aug. 2003), 986–993"
_DATE_BETWEEN_TAIL = (
    rf"(?:^|[\s.,])\s*{_VOLUME}(?:,\s*(?P<issue>\w{{1,6}}))?,?\s*\(\s*(?:{MONTH}\s*)?(?:\d{{1,2}},?\s*)?"
    rf"(?P<year>{YEAR})\s*\),\s*{_PAGES}"
)
# ACM with its issue: "Commun. ACM 13, 6 (June 1970), 377–387" (the Chicago form would read the issue
# as the volume, so this one comes first)
_ACM_TAIL = (
    rf"(?:^|[\s.,])\s*{_VOLUME},\s*(?P<issue>\d{{1,4}}[A-Za-z]?)\s*\(\s*(?:{MONTH}\s*)?(?:\d{{1,2}},?\s*)?"
    rf"(?P<year>{YEAR})\s*\),\s*{_PAGES}"
)
# AMS: "Ann. Statist. 7 (1979), no. 1, 1–26": the issue after the year
_AMS_TAIL = (
    rf"(?:^|[\s.,])\s*{_VOLUME}\s*\(\s*(?P<year>{YEAR})\s*\),\s*{_NO_LABEL}\s*(?P<issue>[\w-]{{1,10}}),\s*{_PAGES}"
)
_VANCOUVER_TAIL = rf"(?:^|[\s.,])\s*\(?{_DATE}\)?(?:\s*[;,:.]\s*|\s+){_VOLUME}{_ISSUE}\s*[:,;]\s*{_PAGES}"
_YEAR_LAST_TAIL = rf"(?:^|[\s.,])\s*{_VOLUME}{_ISSUE}\s*[:,]\s*{_PAGES}\s*(?:[.,;]\s*|\(\s*){_DATE}\s*\)?"
_VOLUME_PAGES_TAIL = rf"(?:^|[\s.,])\s*{_VOLUME}{_ISSUE}\s*[:,]\s*{_PAGES}"
# Volume and a page range set apart by a space only: "Acta Neuropathol. 82 239–259", "Aids 21 S3-18".
# The range's dash is required: two bare numbers could be anything.
_SPACED_TAIL = rf"(?:^|[\s.,])\s*{_VOLUME}{_ISSUE}\s+(?P<first>{_PAGE}){_DASH}(?P<last>{_PAGE})"

# Tail forms, most specific first, each searched in the last stretch of the string only. Each says
# what it cannot match without: the label "vol"/"Volume" (both hold "ol"), a year. A stretch that
# lacks one skips the forms that need it unread.
_TAIL_FORMS = [
    # Labelled: "vol. 12, no. 3, pp. 45–67, Mar. 2008", "Volume 10, pp 1-5"
    (re.compile(_LABELLED_TAIL + _TAIL_END), True, False),
    (re.compile(_LABELLED_DATED_TAIL + _TAIL_END), True, True),
    (re.compile(_ACM_TAIL + _TAIL_END), False, True),
    (re.compile(_AMS_TAIL + _TAIL_END), False, True),
    (re.compile(_CHICAGO_TAIL + _TAIL_END), False, True),
    # Vancouver/BMC/AMA: "Lancet. 2003; 362:971–82", "J 2008, 28(53):14329-40", "Lancet 2003, 362, 971"
    (re.compile(_VANCOUVER_TAIL + _TAIL_END), False, True),
    # Year after pages: "27:102-110. 1996", "65:117-134, 1993", "38, 452-460 (2007)"
    (re.compile(_YEAR_LAST_TAIL + _TAIL_END), False, True),
    # Book chapter pages after the publisher: "New York: Wiley; 2008:45-67"
    (re.compile(rf"[;,]\s*{_DATE}\s*:\s*{_PAGES}{_TAIL_END}"), False, True),
    # Volume then pages, year elsewhere: "10:88-95", ", 41(3), 278-289", "Neuropsychologia 34, 247-261"
    (re.compile(_VOLUME_PAGES_TAIL + _TAIL_END), False, False),
    # Pages alone, as chapters give them: "Springer, Berlin, pp 45-67", "pp. 45-67, 2008"
    (re.compile(rf"[\s.,;:]\s*pp?\.\s*{_PAGES}(?:[,.]?\s*\(?{_DATE}\)?)?{_TAIL_END}"), False, False),
    (re.compile(rf"[\s.,;:]\s*pp\s*{_PAGES}(?:[,.]?\s*\(?{_DATE}\)?)?{_TAIL_END}"), False, False),
    # Year, then a volume run into its first page and the range: "Soc Sci Med 1990;31791–800" (see below)
    (re.compile(rf"(?:^|[\s.,])\s*\(?{_DATE}\)?\s*[;,:.]\s*(?P<glued>\d{{3,}}){_DASH}(?P<last>\d+){_TAIL_END}"),
     False, True),
    # Year and volume without pages: "Lancet 2003;362."
    (re.compile(rf"(?:^|[\s.,])\s*{_DATE}\s*[;,:]\s*{_VOLUME}{_ISSUE}{_TAIL_END}"), False, True),
    # Volume(issue) then year: "Nature 451(7), 2008"
    (re.compile(rf"(?:^|[\s.,])\s*{_VOLUME}{_ISSUE}\s*[.,]?\s*\(?{_DATE}\)?{_TAIL_END}"), False, True),
    # The forms below read what no form above does; last, so that the usual ones cost no more.
    # ACM: "Cell. 119, (2004), 941–953"
    (re.compile(_DATE_BETWEEN_TAIL + _TAIL_END), False, True),
    # Volume and pages apart by a space only: "Acta Neuropathol. 82 239–259"
    (re.compile(_SPACED_TAIL + _TAIL_END), False, False),
    # Volume and one page a space apart, ending the string: "Bioinformatics 24 i49.", "Biol 9 355."
    (re.compile(rf"(?<=[A-Za-z.])\s+{_VOLUME}\s+(?P<first>{_PAGE})[.\s]*$"), False, False),
    # A volume alone after the journal: "Lancet, 362." (not a year: "London, 2003.")
    (re.compile(rf"(?<=[A-Za-z.]),\s+(?!{YEAR}\b)(?P<volume>\d{{1,4}})[.\s]*$"), False, False),
    # A volume run into its first page, then the range: "Brain. 130535–547", "Med 1990;31791–800"
    # (bold volumes with no space after them, in plain text; split by pages.split_glued_volume; the
    # dated form is above, before a volume range "1990;31791–800" could be read)
    (re.compile(rf"(?<=[A-Za-z.,])\s+(?P<glued>\d{{3,}}){_DASH}(?P<last>\d+)[.\s]*$"), False, False),
]
_TAILS = [pattern for pattern, _, _ in _TAIL_FORMS]
YEAR_HINT = re.compile(YEAR)
# What the Chicago form cannot match without: a year closing a bracket, "(2003)", "(Sept. 2003)".
_BRACKETED_YEAR_HINT = re.compile(rf"{YEAR}\s*\)")
# The forms that need a bracketed year ("(2003)", "(June 1970)"): skipped where none is printed.
_BRACKETED = frozenset(_TAILS[i].pattern for i in (2, 3, 4))
_OPEN = "(?:^|[\\s.,])"


def _inside(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` for a search that starts past the string's first character.

    ``^`` cannot match there, so a form that opens with "start, or a space, stop or comma" may open
    with the character class alone, and the regex engine then skips ahead to those characters
    instead of trying every position of the window (the same matches, a third less time).
    """
    if pattern.pattern.startswith(_OPEN):
        return re.compile("[\\s.,]" + pattern.pattern[len(_OPEN):])
    return pattern


# The forms to try, by whether the stretch holds a volume label and whether it holds a year,
# each as searched from the string's start and as searched from inside it.
_TAILS_FOR = {
    (labelled, dated, inside): [_inside(p) if inside else p for p, needs_label, needs_year in _TAIL_FORMS
                                if (labelled or not needs_label) and (dated or not needs_year)]
    for labelled in (False, True)
    for dated in (False, True)
    for inside in (False, True)
}
_BRACKETED_ANY = _BRACKETED | {_inside(re.compile(p)).pattern for p in _BRACKETED}
_TAIL_WINDOW = 160
# The same forms ending anywhere at a delimiter, for references with notes after the source.
_LOOSE_TAILS = [re.compile(p + _TAIL_STOP) for p in (_VANCOUVER_TAIL, _YEAR_LAST_TAIL, _VOLUME_PAGES_TAIL)]


def _volume_label(text: str, start: int) -> bool:
    """What a labelled form cannot match without: "vol", "Volume" or "v." after a space, a stop, a
    comma or nothing (a looser test, "ol" anywhere, would also pass "Biol" and "Neurol")."""
    for needle, back in (("ol", 1), ("v.", 0)):
        i = text.find(needle, start)
        while i >= 0:
            v = i - back
            if v >= 0 and text[v] in "Vv" and (v == 0 or text[v - 1] in ".," or text[v - 1].isspace()):
                return True
            i = text.find(needle, i + 1)
    return False


def match_source_block(text: str, start: int) -> tuple[re.Match[str] | None, int]:
    """The source block ending ``text`` (or ending before notes), and where the journal ends.

    Returns ``(None, len(text))`` when no form matches.
    """
    window = max(start, len(text) - _TAIL_WINDOW)
    strict_from = max(window, len(text) - 80)
    inside = strict_from > 0
    labelled = _volume_label(text, strict_from)
    dated = YEAR_HINT.search(text, strict_from) is not None
    bracketed_year = dated and _BRACKETED_YEAR_HINT.search(text, strict_from) is not None
    for pattern in _TAILS_FOR[labelled, dated, inside]:  # strict forms end the string: a short window will do
        if not bracketed_year and pattern.pattern in _BRACKETED_ANY:
            continue
        m = pattern.search(text, strict_from)
        if m and "glued" in pattern.groupindex and split_glued_volume(m["glued"], m["last"]) is None:
            m = None
        if m:
            tail_start = m.start()
            while tail_start < len(text) and text[tail_start] in " .,":
                tail_start += 1
            return m, max(tail_start, start)
    for pattern in _LOOSE_TAILS:
        last = None
        for found in pattern.finditer(text, window):
            last = found
        if last:
            tail_start = last.start()
            while tail_start < len(text) and text[tail_start] in " .,":
                tail_start += 1
            return last, max(tail_start, start)
    return None, len(text)
