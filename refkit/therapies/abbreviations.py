"""Abbreviations a text defines for itself (Schwartz & Hearst, PSB 2003): one home for reading them.

A short form is defined in brackets right after its long form: ``valproic acid (VPA)``. As
Schwartz & Hearst read it, the short form is the *first token* of the bracket, and the bracket
may go on after it with more words: a separator (``diethylnitrosamine (DEN: 10 mg/kg/day)``,
``acetylsalicylic acid (ASA, 50 mg/kg)``, ``MPEP; 5 mg/kg``) or, in pharmacology abstracts, a
dose right after the short form (``parachlorophenylalanine (PCPA 100 mg/kg, …)``). A short form
is plausible when its letters appear in order in the long form, the first starting a word; a
single capital letter (``testosterone (T)``) only when it is the long form's initial, and the
callers take that only after a chemical name.
"""

from __future__ import annotations

import re

from refkit.therapies.doses import AMOUNT
from refkit.therapies.vocabulary import is_common_word, phrase_key

# Up to ten letters, digits and joining marks, after locants (5,7-DHT); a subscript count in
# brackets (CaCl(2))
_SHORT = r"(?:\d(?:,\d)+-)?[A-Za-z0-9][A-Za-z0-9\-+']{0,9}(?:\(\d\))?"
# The short form, then the bracket's close, a separator (a slash before a second short form:
# ``benzodiazepines or related drugs (BZDs/RDs)``), or a dose after a space
DEFINITION = re.compile(rf"\s*[(\[]\s*({_SHORT})"
                        rf"(?:(?P<closed>\s*[)\]/])|\s*[,;:](?!\d)|\s+(?={AMOUNT.pattern}))", AMOUNT.flags)
_ROMAN = re.compile(r"[IVXLC]+")
# Two short forms for two names defined at once: "cyproterone acetate and ethinyl estradiol (CPA/EE)"
_PAIR = re.compile(r"\s*[(\[]\s*([A-Za-z0-9][A-Za-z0-9\-']{0,9})\s*/"
                   r"\s*([A-Za-z0-9][A-Za-z0-9\-']{0,9})\s*[)\]]")


def short_form_after(text: str, end: int) -> re.Match[str] | None:
    """The definition right after a long form ending at ``end`` (group 1 the short form; group
    ``closed`` set when the bracket closes right after it, or a second short form follows)."""
    return DEFINITION.match(text, end)


def pair_after(text: str, end: int) -> re.Match[str] | None:
    """Two short forms joined by a slash right after a name ending at ``end`` (groups 1, 2)."""
    return _PAIR.match(text, end)


def letters_in_order(short: str, long: str) -> bool:
    """The short form's letters and digits appear in order in the long form, the first at the
    start of a word."""
    s, lf = short.casefold(), long.casefold()
    j = len(lf)
    for i in range(len(s) - 1, -1, -1):
        c = s[i]
        if not c.isalnum():
            continue
        j = lf.rfind(c, 0, j)
        while i == 0 and j > 0 and lf[j - 1].isalnum():
            j = lf.rfind(c, 0, j)
        if j < 0:
            return False
    return True


def long_form(before: str, short: str) -> str | None:
    """Schwartz & Hearst: the shortest run of the words before ``(short)`` (at most
    min(|short| + 5, 2|short|) words) whose letters hold the short form's in order, the first
    letter starting a word; None when there is none."""
    words = before.split()[-min(len(short) + 5, 2 * len(short)):]
    for n in range(1, len(words) + 1):
        candidate = " ".join(words[-n:])
        if candidate[:1].casefold() == short[:1].casefold() and letters_in_order(short, candidate):
            return candidate
    return None


def is_initial(short: str, long: str) -> bool:
    """A single capital letter that is the long form's initial (``testosterone (T)``); roman
    numerals (``(I)``, ``(V)``) number things instead."""
    return len(short) == 1 and short.isupper() and not _ROMAN.fullmatch(short) \
        and long[:1].casefold() == short.casefold()


def plausible_short_form(short: str, long: str, closed: bool = True) -> bool:
    """A short form in brackets right after a chemical name is its abbreviation when it is
    no number, everyday word or roman numeral, and (Schwartz & Hearst) its letters appear in
    order in the long form, the first starting a word (lower case too: ``dexamethasone
    (dex)``), or it is in capitals, as chemists' abbreviations often come from another name
    of the substance (VPU, SNP). One letter only as the long form's initial. In a bracket that
    goes on after the short form (``closed`` false) capitals alone are not enough: a label
    stands there too (``N-nitroso-N-methylurea (CAS: 684-93-5)``)."""
    if is_initial(short, long):
        return True
    if short.isdigit() or len(short) < 2 or len(short) >= len(long):
        return False
    if phrase_key(short) == phrase_key(long) or _ROMAN.fullmatch(short):
        return False
    if short.islower() and (is_common_word(short) or len(short) < 3):
        return False
    if closed and re.fullmatch(r"[A-Z][A-Z0-9\-]{1,5}s?", short) and sum(c.isupper() for c in short) >= 2:
        return True
    return letters_in_order(short, long)
