"""Identifiers and web-copy residue inside a reference string.

DOIs, PMIDs, PMCIDs and URLs are lifted out of the text before the fields are split, so
that ``doi:10.1016/j.x.2003.08.015`` is never mistaken for a volume or a page range.
PDF extraction breaks DOIs over lines (``doi:10.1007/ \\ns11051-008-9546-1``,
``doi:10 \\n.1038/nature08944``); the DOI pattern rejoins pieces split after a
``/`` or ``.``. Link residue that web pages put after a reference (``[PubMed]``,
``crossref``, ``Google Scholar``) is recorded as printed and removed.
"""

from __future__ import annotations

import re

from refkit.parse._residue import residue_alternation

# A DOI: prefix 10.NNNN, slash, then a suffix that may continue over a line break when the
# break falls right after a "/" or "." or "-" (where PDF extractors like to wrap).
_DOI = re.compile(
    r"(?:(?:https?://)?(?:dx\.)?doi\.org/|\bdoi\s*:?\s*)?"
    r"\b(?P<prefix>10\s*\.\s*\d{4,9})\s*/\s*"
    # SICI suffixes hold "<" and ">" (10.1002/(SICI)1097-4547(19990201)55:3<293::AID-JNR4>3.0.CO;2-9)
    r"(?P<suffix>[^\s\"]{1,200}(?:(?<=[/.\-_:;(])\s*\n\s*[^\s\"]{1,200}){0,3})",
    re.IGNORECASE,
)
# A "doi:" label whose DOI the extraction lost ("doi: . \n05.010"): drop it and what follows it.
_DOI_LABEL_LEFTOVER = re.compile(
    r"[.,;]?\s*\(?\bdoi\b\s*:?[^a-zA-Z]{0,60}$|\(?\bdoi\s*:?\s*[.\s]*\)?(?=\s|$)", re.IGNORECASE
)
# What every DOI holds: a literal "10" prefix lets the engine scan for it fast.
_DOI_HINT = re.compile(r"10\s*\.\s*\d{4}")
# "PMID: 123", "PubMed PMID: 123", "[PubMed: 123]" (NCBI Bookshelf), "PubMed ID 123"
_PMID = re.compile(
    r"\b(?:(?:PubMed\s+)?PMID|PubMed(?:\s+ID)?(?=\s*:?\s*\d{5}))\s*:?\s*(?P<pmid>\d{1,9})\b", re.IGNORECASE
)
_PMCID = re.compile(r"\b(?:PMCID\s*:?\s*)?(?P<pmcid>PMC\d{4,9})\b")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)

# Residue words as web pages print them. Bracketed residue may sit anywhere; bare words only
# after the end of the reference.
_RESIDUE_WORDS = residue_alternation()
_BRACKETED_RESIDUE = re.compile(rf"\[\s*({_RESIDUE_WORDS})\s*\]", re.IGNORECASE)
_TRAILING_RESIDUE = re.compile(rf"(?:^|(?<=[\s.,;\])]))({_RESIDUE_WORDS})[\s.,;|]*$", re.IGNORECASE)


def take_links(text: str) -> tuple[str, list[str]]:
    """Remove link residue; return the cleaned text and the residue words in reading order."""
    links: list[str] = []
    if "[" in text:
        links.extend(m.group(1) for m in _BRACKETED_RESIDUE.finditer(text))
        text = _BRACKETED_RESIDUE.sub(" ", text)
    tail: list[str] = []
    rest = text
    if not _ends_in_letter(text):  # every residue word ends in a letter: nothing trails the text
        return text, links
    for _ in range(8):  # a handful of residue words at most; never loop on odd input
        stripped = rest.rstrip()
        m = _TRAILING_RESIDUE.search(stripped, max(0, len(stripped) - 40))
        if not m:
            break
        tail.append(m.group(1))
        rest = stripped[: m.start()]
    # Bare words count as residue only after the end of a reference (its pages, a closing
    # bracket, "175S"; not a word), so a title that ends in "Abstract" keeps it.
    last_word = rest.rsplit(None, 1)[-1] if rest.strip() else ""
    own_line = rest.rstrip(" \t").endswith("\n")
    if tail and (own_line or not last_word[-1:].isalpha() or any(c.isdigit() for c in last_word)):
        links.extend(reversed(tail))
        text = rest
    return text, links


def _ends_in_letter(text: str) -> bool:
    """Whether the last character before trailing whitespace and ``.,;|`` is a letter."""
    while True:
        stripped = text.rstrip().rstrip(".,;|")
        if stripped == text:
            return text[-1:].isalpha()
        text = stripped


def _clean_doi(prefix: str, suffix: str) -> str:
    suffix = re.sub(r"\s+", "", suffix)
    suffix = suffix.rstrip(".,;:")
    # A closing bracket belongs to the DOI only when the DOI opened it: (doi:10.1/x) vs 10.1002/(SICI)…
    for close, open_ in ((")", "("), ("]", "[")):
        while suffix.endswith(close) and suffix.count(close) > suffix.count(open_):
            suffix = suffix[:-1].rstrip(".,;:")
    return re.sub(r"\s+", "", prefix) + "/" + suffix


_DOI_WORD = re.compile("doi", re.IGNORECASE)  # "doi" as _DOI_LABEL_LEFTOVER reads it, in any case


def _drop_doi_leftovers(text: str) -> str:
    """``_DOI_LABEL_LEFTOVER.sub(" ", text)``, searched only from where a match can start.

    Every match holds "doi" (in any case) and can start only a bracket, spaces and one stop
    before it; the regex, which opens with optional parts, would otherwise retry at every
    position of the text.
    """
    found = _DOI_WORD.search(text)
    if found is None:
        return text
    start = found.start()
    if start > 0 and text[start - 1] == "(":
        start -= 1
    while start > 0 and text[start - 1].isspace():
        start -= 1
    if start > 0 and text[start - 1] in ".,;":
        start -= 1
    parts, last = [], 0
    for m in _DOI_LABEL_LEFTOVER.finditer(text, start):
        parts += [text[last : m.start()], " "]
        last = m.end()
    return "".join(parts) + text[last:] if parts else text


def take_identifiers(text: str) -> tuple[str, dict[str, str]]:
    """Remove DOI, PMID, PMCID and URL from ``text``; return the rest and what was found."""
    found: dict[str, str] = {}
    if "10" in text and _DOI_HINT.search(text):
        m = _DOI.search(text)
        if m and m.group("suffix").strip(".,;:)"):
            found["doi"] = _clean_doi(m.group("prefix"), m.group("suffix"))
            end = m.end()
            if m.group("suffix").endswith(")") and not found["doi"].endswith(")"):
                end -= 1  # leave the bracket that opened before "doi:" balanced
            text = text[: m.start()] + " " + text[end:]
    if "PMID" in text or "pmid" in text or "PubMed" in text:
        m = _PMID.search(text)
        if m:
            found["pmid"] = m.group("pmid")
            text = text[: m.start()] + " " + text[m.end() :]
    if "PMC" in text:
        m = _PMCID.search(text)
        if m:
            found["pmcid"] = m.group("pmcid")
            text = text[: m.start()] + " " + text[m.end() :]
    if "http" in text or "www." in text:
        m = _URL.search(text)
        if m:
            url = m.group(0).rstrip(".,;)")
            found["url"] = url
            text = text[: m.start()] + " " + text[m.start() + len(url) :]
    if "doi" in text or "DOI" in text:
        text = _drop_doi_leftovers(text)
    return text, found
