"""Segmentation of a case report pasted from a journal's web page into an :class:`Article`.

The input is kept verbatim in ``Article.text``; every part is located by line, and caption
offsets point into that text. Reference items are split only inside the reference section,
with numbering continuity checked, so numbered lists in the body never become references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from refkit.dates import YEAR_RE
from refkit.gc_pause import no_cycle_collection
from refkit.model import Article, Caption, Reference
from refkit.parse.header import is_keywords_line, read_header, read_keywords
from refkit.parse.reference import drop_invisible, parse_reference
from refkit.parse.sections import (
    CAPTION_START,
    IMAGE_FILE,
    MAX_LINE,
    Line,
    heading_text,
    image_first_page,
    is_abstract_heading,
    is_furniture,
    is_reference_heading,
    is_section_heading,
    residue_words,
    split_inline_residue,
    split_lines,
)


def parse_article(text: str, source: str | None = None) -> Article:
    """Split pasted article text into header fields, abstract, body, captions and references."""
    # A long list is ~50 live containers a reference (five lists, four authors each), and every
    # collection walks them again: about a sixth of the parse time. Parsing makes no cycles.
    with no_cycle_collection():
        return _parse_article(text, source)


def _parse_article(text: str, source: str | None) -> Article:
    article = Article(text=text, source=source)
    lines = []
    for number, line in enumerate(split_lines(text), 1):
        if len(line.text) > MAX_LINE:
            article.warnings.append(f"line {number} skipped: {len(line.text):,} characters long")
            line = Line(line.start, "")
        lines.append(line)

    section = find_reference_section(lines)
    if section is None:
        article.warnings.append("no reference section found")
        limit = len(lines)
    else:
        limit = section.heading if section.heading is not None else section.items[0].line
        article.warnings.extend(section.warnings)

    abstract_at = next((i for i in range(limit) if is_abstract_heading(lines[i].text)), None)
    header_end = abstract_at if abstract_at is not None else min(limit, 40)
    read_header(article, [line.text for line in lines[:header_end]])
    read_keywords(article, [line.text for line in lines[:limit]])
    body_from = _read_abstract(article, lines, abstract_at, limit) if abstract_at is not None else None
    _read_body(article, lines, body_from, limit)
    _read_captions(article, lines)
    if section is not None:
        article.references = [item.to_reference() for item in section.items]
    if article.first_page is None:
        pages = [image_first_page(c.image) for c in article.captions if c.image]
        article.first_page = next((p for p in pages if p), None)
    return article


# --- the reference section ---------------------------------------------------------------

_NUMBERED = re.compile(
    r"^[ \t\u00a0\u200b\ufeff]{0,8}(?:\[(?P<bracket>\d{1,5})\]\.?|\((?P<paren>\d{1,5})\)\.?"
    r"|(?P<dot>\d{1,5})\.(?!\d)"
    r"|(?P<close>\d{1,5})\)|(?P<dash>\d{1,5})(?=[ \t]*[-–—][ \t])|(?P<tab>\d{1,5})(?=\t)"
    r"|(?P<bare>\d{1,5})(?=[ \u00a0]+[^\W\d]))(?:[ \t]*[-–—](?=[ \t]))?[ \t\u00a0\u200b]*"
    # an item starts with a name or a title, not ":1163"; or with a second number ("14\t18. Smith J")
    r"(?=[^\s\d:;,.)\]/–-]|\d{1,5}\s+[^\W\d]|\d{1,4}[.)]\s+[^\W\d])"
)
# "1<TAB>" and "1 " are one family: a copy may turn a tab into spaces on some lines only.
_STYLE_FAMILY = {"bracket": "bracket", "paren": "paren", "dot": "dot", "close": "close", "tab": "bare",
                 "bare": "bare", "dash": "dash"}
MAX_REFERENCE = 5_000  # the longest real references run to about 2,000 characters
_MAX_ITEM_LINES = 40  # a wrapped reference takes a few lines; forty lines are no longer one item
_MAX_JUMP = 5  # a copy may lose an item or two; a bigger jump is not the next reference
_MAX_PREAMBLE = 6  # non-blank lines tolerated between a heading and the first item


# A number alone on its line, its reference on the next lines (a copied table of labels and texts).
_LABEL_ONLY = re.compile(
    r"^[ \t]{0,8}(?:\[(?P<bracket>\d{1,5})\]|\((?P<paren>\d{1,5})\)|(?P<dot>\d{1,5})\."
    r"|(?P<close>\d{1,5})\)|(?P<bare>\d{1,5}))[ \t\u00a0]*$"
)


def numbering(text: str) -> tuple[int, str, int] | None:
    """(number, style, where the item text starts) if the line starts with a reference number."""
    m = _NUMBERED.match(text) or _LABEL_ONLY.match(text)
    if not m:
        return None
    style = m.lastgroup or ""
    return int(m.group(style)), style, m.end()


@dataclass
class ReferenceItem:
    """One numbered item as found in the text: its lines, and the link-residue lines after them."""

    n: int
    style: str
    line: int
    pieces: list[str] = field(default_factory=list)
    residue: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The item's text on one line: a web page wraps lines for display, not inside words.

        A line that ends in a hyphen after a letter was broken at that hyphen (``Risk-`` /
        ``based``), so the hyphen stays and no space is added.
        """
        text = ""
        for piece in (" ".join(drop_invisible(p).split()) for p in self.pieces):
            if not piece:
                continue
            if text and not (text[-1] == "-" and text[-2:-1].isalpha() and piece[:1].isalpha()):
                text += " "
            text += piece
        return text

    def split(self) -> tuple[str, list[str]]:
        """(raw, links): the text without the link labels that trail it inline or follow it.

        Residue lines are read together, so a label wrapped over two lines stays one label.
        """
        text = self.text
        if not self.residue:
            return split_inline_residue(text)
        full = text + " " + " ".join(" ".join(line.split()) for line in self.residue)
        raw, links = split_inline_residue(full, lines_from=len(text) + 1)
        if len(raw) > len(text):  # the lines did not read as residue together: take them one by one
            raw, links = split_inline_residue(text)
            for line in self.residue:  # a label this copy does not know is kept as printed
                links += residue_words(line) or [" ".join(line.split())]
            return raw, links
        per_line = [residue_words(line) for line in self.residue]
        if not all(per_line) or any(len(w) == 1 and _is_fragment(w[0]) for w in per_line if w):
            return raw, links
        by_line = [label for words in per_line for label in words or ()]
        if links[len(links) - len(by_line) :] == by_line:  # the usual case: both reads agree
            return raw, links
        inline_raw, inline_links = split_inline_residue(text)
        if raw == inline_raw and all(line.count("[") == line.count("]") for line in self.residue):
            # No label runs from the text onto the lines and each line is a whole label list: a line
            # break ends a label ("Google Scholar" / "Crossref Full Text", not "Google Scholar Crossref").
            links = inline_links + by_line
        return raw, links

    @property
    def raw(self) -> str:
        return self.split()[0]

    def to_reference(self) -> Reference:
        raw, links = self.split()
        try:
            if len(raw) > MAX_REFERENCE:
                raise ValueError(f"{len(raw):,} characters is too long for one reference")
            ref = parse_reference(raw)
        except Exception as err:  # noqa: BLE001 - a reference is never dropped, whatever the parser does
            ref = Reference(raw=raw, warnings=[f"reference parser failed: {type(err).__name__}: {err}"])
        ref.raw = raw
        ref.n = self.n
        ref.links = links  # the segmenter saw the residue; raw no longer holds any
        return ref


# Label words that a narrow column may wrap away from the rest of their label ("Google" / "Scholar").
_LABEL_FRAGMENTS = frozenset(["google", "scholar", "full", "text", "free", "pmc", "europe", "web", "view"])


def _is_fragment(label: str) -> bool:
    return label.casefold() in _LABEL_FRAGMENTS


@dataclass
class ReferenceSection:
    heading: int | None  # index of the heading line; None when found by its numbering alone
    items: list[ReferenceItem]
    end: int  # index of the first line after the section
    warnings: list[str] = field(default_factory=list)


def find_reference_section(lines: list[Line]) -> ReferenceSection | None:
    """The reference list: under the last reference heading that has numbered items under it.

    Without such a heading, the longest numbered run starting at 1 whose items mostly carry a
    year is taken, with a warning.
    """
    headings = [i for i, line in enumerate(lines) if is_reference_heading(line.text)]
    for index in reversed(headings):
        section = split_items(lines, index + 1, strict_start=True) or split_items(lines, index + 1, False)
        if section:
            section.heading = index
            return section
    best: ReferenceSection | None = None
    i = 0
    while i < len(lines):  # each line is read by one run at most: linear however many lists
        found = numbering(lines[i].text)
        section = split_items(lines, i, strict_start=True) if found and found[0] == 1 else None
        if section is None:
            i += 1
            continue
        if len(section.items) >= 3 and (best is None or len(section.items) > len(best.items)):
            with_year = sum(1 for item in section.items if YEAR_RE.search(item.text))
            if with_year >= 0.6 * len(section.items):
                best = section
        i = max(section.end, i + 1)
    if best is not None:
        best.warnings.append(
            f"no reference heading found; took the numbered list at line {best.items[0].line + 1} "
            "as the references"
        )
    return best


def split_items(lines: list[Line], start: int, strict_start: bool) -> ReferenceSection | None:
    """Split lines from ``start`` into numbered items, stopping where the list ends."""
    items: list[ReferenceItem] = []
    warnings: list[str] = []
    blank_before = False
    preamble = 0
    end = len(lines)
    # Residue lines stay apart until the item ends: a wrapped line that happens to read "PubMed"
    # is text if the item goes on after it.
    for i in range(start, len(lines)):
        text = lines[i].text
        if not text.strip():
            blank_before = True
            continue
        current = items[-1] if items else None
        found = numbering(text)
        if found and current is not None and _wrapped_number(lines, i, current, found):
            found = None  # "… Millennium Development Goal" / "5. Lancet. 2010;375:1609-23."
        starts = found and _continues(current, found, strict_start and current is None)
        if found and (starts or _restarts(lines, i, current, found)):
            n, style, at = found
            if current is not None and _STYLE_FAMILY[style] != _STYLE_FAMILY[current.style]:
                style = current.style  # "14\t18. Smith J" in a list of "13.": the list keeps its numbering
            if current is not None and n != current.n + 1:
                warnings.append(_numbering_warning(current.n, n))
            second = _SECOND_NUMBER.match(text, at)
            if second:  # "14\t18. Smith J": a stray number the PDF left before the reference
                warnings.append(f"reference {n}: dropped a second number {text[at:second.end()].strip()!r}")
                at = second.end()
            items.append(ReferenceItem(n, style, i, [text[at:]]))
            blank_before = False
            continue
        if current is None:
            preamble += 1
            if preamble > _MAX_PREAMBLE or is_section_heading(text) or CAPTION_START.match(text):
                return None
            continue
        if residue_words(text):
            current.residue.append(text)
            blank_before = False
            continue
        if len(current.pieces) >= _MAX_ITEM_LINES or CAPTION_START.match(text) or IMAGE_FILE.match(text):
            end = i
            break
        if is_furniture(text) or is_section_heading(text):
            if not _list_goes_on(lines, i + 1, current, strict=True):
                end = i
                break
            if is_furniture(text):  # a widget inside the list ("Go to:"): not part of any reference
                blank_before = True
                continue
        if not any(piece.strip() for piece in current.pieces):
            # "1." alone on its line, its text after a blank line: that text is the item's
            current.pieces = [text]
            blank_before = False
            continue
        after_gap = bool(blank_before or current.residue)
        widget = _looks_like_widget(text, current.pieces[-1])
        prose = not widget and _looks_like_prose_after(text, current)
        strict = after_gap or prose
        if (strict or widget) and not _list_goes_on(lines, i + 1, current, strict=strict):
            end = i
            break
        if widget and len(text.split()) <= 3 and _next_is_item_or_residue(lines, i + 1, current):
            current.residue.append(text)  # a link label this copy does not know ("Ovid")
            continue
        if not blank_before:  # the "residue" was text that the item goes on with
            current.pieces.extend(current.residue)
            current.residue = []
        blank_before = False
        current.pieces.append(text)
    if not items:
        return None
    return ReferenceSection(None, items, end, warnings)


# A second number right after the item's own: "14\t18. Smith J" (not a title's year: "1. 2017 European…").
_SECOND_NUMBER = re.compile(r"(?:\d{1,3}[.)]|\d{1,4}\t)[ \t]+(?=[^\W\d])")
_LOOK_AHEAD_LINES = 10


def _numbering_warning(previous: int, n: int) -> str:
    if n == previous:
        return f"reference number {n} repeated"
    if n < previous:
        return f"reference numbering goes back from {previous} to {n}"
    return f"reference numbering jumps from {previous} to {n}"


def _restarts(lines: list[Line], i: int, current: ReferenceItem | None, found: tuple[int, str, int]) -> bool:
    """Whether a number out of sequence still starts the next reference (it must never fold into one).

    Copies repeat a number, skip some, put two out of order or carry a wrong one from a PDF. Such a
    number starts an item when the current item reads as finished and the numbering goes on around
    it: the number is near the current one, or the next number of the same kind follows it (``23``
    then ``24``), or (for marked numbers: ``12.``, ``[12]``) the next one follows the current item's.
    A line inside a reference that starts with a number (``16 patients with…``, ``(2003). Title``)
    does neither, or reads as a year.
    """
    if current is None:
        return False
    n, style, _ = found
    family = _STYLE_FAMILY[style]
    if not _is_finished(split_inline_residue(current.pieces[-1])[0]):
        return False
    if family != _STYLE_FAMILY[current.style]:
        # "14\t18. Smith J" in a list numbered "13.": a tab sets a number apart as nothing in a text does
        return style == "tab" and n == current.n + 1
    if abs(n - current.n) <= _MAX_JUMP:
        return True
    if YEAR_RE.fullmatch(str(n)):
        return False  # "(2003). Title…": a year opening a wrapped line, not the 2003rd reference
    for j in range(i + 1, min(i + 1 + _LOOK_AHEAD_LINES, len(lines))):
        later = numbering(lines[j].text)
        if later and _STYLE_FAMILY[later[1]] == family:
            m = later[0]  # 23 then 24; or 51 standing for 15 between 14 and 16
            near = family != "bare" and abs(m - current.n) <= _MAX_JUMP + 1
            return m == n + 1 or m == current.n + 2 or near
    return False


def _wrapped_number(lines: list[Line], i: int, current: ReferenceItem, found: tuple[int, str, int]) -> bool:
    """Whether a line that starts with the next number is the current item wrapped before a number.

    It is when the current item stops mid-sentence and the same number starts a later line.
    """
    if _is_finished(current.pieces[-1]):
        return False
    n, style, _ = found
    for j in range(i + 1, min(i + 10, len(lines))):
        later = numbering(lines[j].text)
        if later and later[0] == n and _STYLE_FAMILY[later[1]] == _STYLE_FAMILY[style]:
            return True
    return False


def _next_is_item_or_residue(lines: list[Line], i: int, current: ReferenceItem) -> bool:
    """Whether the next non-blank line starts the next item or is link residue."""
    for j in range(i, min(i + 3, len(lines))):
        text = lines[j].text
        if text.strip():
            found = numbering(text)
            return bool(found and _continues(current, found, strict=False)) or bool(residue_words(text))
    return False


def _continues(current: ReferenceItem | None, found: tuple[int, str, int], strict: bool) -> bool:
    n, style, _ = found
    if current is None:
        return n == 1 or (not strict and n <= 9999)
    if _STYLE_FAMILY[style] != _STYLE_FAMILY[current.style]:
        return False
    if n == current.n + 1:
        return True
    return _STYLE_FAMILY[style] != "bare" and current.n + 1 < n <= current.n + _MAX_JUMP


def _ends_list(text: str) -> bool:
    """Whether an unnumbered line is known to follow the list (page furniture, heading, caption)."""
    return bool(is_furniture(text) or is_section_heading(text) or CAPTION_START.match(text)
                or IMAGE_FILE.match(text))


# How a complete reference may end: a period, a page or year, a bracket, a bare "doi:", a URL.
_FINISHED = re.compile(r"(?:[.\]]|\d\)?|\bdoi:?|https?://\S+)\s*$", re.IGNORECASE)


def _is_finished(text: str) -> bool:
    """Whether the end of ``text`` reads as a complete reference (``_FINISHED`` on its last 40 chars)."""
    tail = text[-40:]
    last = tail.rstrip()[-1:]
    if last in (".", "]") or last.isdecimal():  # the usual ends, without the regex
        return True
    return bool(_FINISHED.search(tail))


def _looks_like_widget(text: str, previous: str) -> bool:
    """A short label without digits or closing punctuation after a finished reference.

    Such a line is an unknown page widget (``Support Center``) unless the list goes on after it.
    """
    stripped = text.strip()
    previous = split_inline_residue(previous)[0]
    return (
        _is_finished(previous)
        and len(stripped.split()) <= 4
        and not any(c.isdigit() for c in stripped)
        and not stripped.endswith((".", ",", ";", ":", ")", "-"))
        and stripped[:1].isupper()
    )


# How a line that continues a reference after its source block may start: notes and identifiers.
_NOTE_START = re.compile(
    r"(?:doi|pmid|pmcid|pii|epub|e-pub|available|accessed|retrieved|cited|erratum|comment|retraction|retracted"
    r"|published|update|review|free|abstract|in press|https?:|www\.|[\[(])",
    re.IGNORECASE,
)
_SOURCE_END = re.compile(r"(?:\d{1,5}\s*[-–—]\s*[A-Za-z]?\d{1,5}|[:,]\s*[A-Za-z]?\d{1,6})[\s.;)]*$")


def _looks_like_prose_after(text: str, current: ReferenceItem) -> bool:
    """A sentence after a reference whose source block is complete ("…;362:971-82.").

    ``How to cite this article``, ``Anyone you share the following link with…``: page text the
    copy picked up after the list. A line that continues a reference starts with a note or an
    identifier instead (``Epub 2003 Aug 1.``, ``doi:…``, ``Erratum in: …``) or in lower case.
    Whether the list goes on after it is for the caller to check.
    """
    stripped = text.strip()
    return (
        len(stripped.split()) >= 4
        and stripped[:1].isupper()
        and not _NOTE_START.match(stripped)
        and bool(_SOURCE_END.search(current.pieces[-1][-40:]))
    )


def _list_goes_on(lines: list[Line], i: int, current: ReferenceItem, strict: bool) -> bool:
    """Whether the lines after a doubtful one continue the item or the list (so it was no widget).

    Looks ahead a few lines, up to known furniture, for the next number. Unless ``strict`` (the
    doubtful line came after a blank line or after link residue), link residue, a lower-case
    continuation or digits (a year, pages, as a reference ends with) before a blank line also count.
    """
    for j in range(i, min(i + 6, len(lines))):
        text = lines[j].text.strip()
        if not text or strict and is_furniture(text):
            if strict:
                continue
            return False
        if _ends_list(text):
            return False
        found = numbering(lines[j].text)
        if found and _continues(current, found, strict=False):
            return True
        if not strict and (residue_words(text) or text[:1].islower() or any(c.isdigit() for c in text)):
            return True
    return False


# --- abstract, body, captions ------------------------------------------------------------

_INLINE_ABSTRACT = re.compile(r"^\s*(?:abstract|summary)\s*[:.—–-]\s*(?=\S)", re.IGNORECASE)


def _ends_prose(text: str) -> bool:
    return (
        is_section_heading(text) or is_reference_heading(text) or is_furniture(text)
        or bool(CAPTION_START.match(text)) or bool(IMAGE_FILE.match(text)) or is_keywords_line(text)
    )


def _slice(article: Article, lines: list[Line], first: int, last: int, skip: int = 0) -> str | None:
    """The verbatim text from line ``first`` (after ``skip`` chars) to the end of line ``last``."""
    if last < first:
        return None
    value = article.text[lines[first].start + skip : lines[last].end].strip()
    return value or None


def _read_abstract(article: Article, lines: list[Line], at: int, limit: int) -> int:
    """Fill the abstract from the heading at ``at``; returns the index where the body may start."""
    first, skip = at + 1, 0
    inline = _INLINE_ABSTRACT.match(lines[at].text)
    if inline and heading_text(lines[at].text) is None or inline and len(lines[at].text.split()) > 3:
        first, skip = at, inline.end()
    last = first - 1
    i = first
    while i < limit:
        text = lines[i].text
        if i != at and text.strip() and _ends_prose(text):
            break
        if text.strip():
            last = i
        i += 1
    start = first
    while start <= last and not lines[start].text.strip():
        start += 1
        skip = 0
    article.abstract = _slice(article, lines, start, last, skip)
    return i


def _read_body(article: Article, lines: list[Line], start: int | None, limit: int) -> None:
    if start is None:
        return
    text_lines = [i for i in range(start, limit) if lines[i].text.strip() and not is_furniture(lines[i].text)]
    if text_lines:
        article.body = _slice(article, lines, text_lines[0], text_lines[-1])


def _read_captions(article: Article, lines: list[Line]) -> None:
    i = 0
    while i < len(lines):
        m = CAPTION_START.match(lines[i].text)
        if not m:
            i += 1
            continue
        label = " ".join(m.group("label").rstrip(".:|–—- \t").split())
        rest = lines[i].text[m.end() :]
        punctuated = m.group("label").rstrip()[-1:] in ".:|–—-"
        first, skip = (i, m.end()) if rest.strip() else (i + 1, 0)
        is_table = label.casefold().startswith("table")
        last, image, j = first - 1, None, first
        while j < len(lines) and j < first + 12:
            text = lines[j].text
            if not text.strip() or (j > first and CAPTION_START.match(text)):
                break
            if j > i and _ends_prose(text) and not IMAGE_FILE.match(text):
                break
            if IMAGE_FILE.match(text):
                image = text.strip()
                j += 1
                break
            last = j
            j += 1
            if is_table and last >= first and not (j < len(lines) and IMAGE_FILE.match(lines[j].text)):
                break
        label_only = not rest.strip()
        if last >= first and (label_only or punctuated or image):
            text = _slice(article, lines, first, last, skip)
            if text:
                start = article.text.index(text, lines[first].start)
                article.captions.append(Caption(label, text, image, start))
        i = max(j, i + 1)
