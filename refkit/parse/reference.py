"""One reference string → a :class:`~refkit.model.Reference`, field by field.

The parser reads a reference from both ends, because both ends are structured and the
middle is not:

1. clean: drop a leading number, lift out link residue and identifiers, rejoin PDF line
   breaks (``opti-\\nmization`` → ``optimization``, but ``TDP-\\n43`` and ``Navarro-\\nGarcia``
   keep their hyphen);
2. head: the author list (:mod:`refkit.parse.names`), then a year if the style puts it
   there (``Author (2008) Title``, ``Fuligni, A. J. (1998). Title``, ``Name, I. 2006. Title``);
3. tail: the source block, matched against the end of the string — ``2003;362(9388):971-82``,
   ``2008, 28:14329-40``, ``10:88-95``, ``, 41(3), 278-289``, ``38, 452-460 (2007)``
   (:mod:`refkit.parse._source_block`);
4. middle: what lies between is title then journal. The title ends at the last sentence
   boundary that is not inside a dotted journal abbreviation (``J. Biol. Chem.``)
   (:mod:`refkit.parse._title_journal`).

It never raises: a string it cannot split keeps its ``raw`` text and gets a warning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from refkit.model import Author, Reference
from refkit.pages import expand_last_page, split_glued_volume
from refkit.parse._identifiers import take_identifiers, take_links
from refkit.parse._source_block import MONTH, YEAR, YEAR_HINT, match_source_block
from refkit.parse._title_journal import (
    BOUNDARY,
    abbreviation_chain,
    first_sentence,
    journal_alone,
    split_title_journal,
)
from refkit.parse.names import UPPER, parse_author_block
from refkit.text import fold

__all__ = ["MAX_REFERENCE_CHARS", "drop_invisible", "expand_last_page", "join_lines", "parse_reference"]

# Longest reference string worth parsing; beyond this the text is a segmentation accident.
MAX_REFERENCE_CHARS = 4000

# "[8]", "(8)", "8.", "8)", "8<TAB>", and "8 Dalakas MC" (a number, a space, a capital: not a year)
_LEADING_NUMBER = re.compile(
    r"^\s*(?:\[\s*\d{1,4}\s*\]|\(\s*\d{1,4}\s*\)|\d{1,4}\s*[.)](?!\d)|\d{1,4}\t|\d{1,3} (?=[A-Z]))\s*"
)
# End-of-line hyphen: join when a lowercase fragment continues in lowercase (opti-\nmization);
# keep the hyphen before capitals and digits (Navarro-\nGarcia, TDP-\n43) and after capitals (IL-\nbeta).
_BREAK_HYPHEN = re.compile(r"[-\u00ad][ \t]*\r?\n[ \t]*")
_SPACES = re.compile(r"\s+")
# A line holding only a number inside a reference is the next item's number left by the PDF layout.
# (not a page range's end: "739-\n47.\n").
# The look-behind comes after the "\n" so that the search can skip ahead to line breaks.
_STRAY_NUMBER_LINE = re.compile(r"\n(?<![-–]\n)[ \t]*\d{1,4}\.[ \t]*\n(?=[ \t]*[^\W\d_])")
_EMPTY_BRACKETS = re.compile(r"\(\s*[.,;:]?\s*\)|\[\s*\]")

# Notes printed after the source that are not part of any field.
_TRAILING_NOTES = re.compile(
    r"(?:[.,]?\s*(?:\[?Epub\b[^\]]*\]?|\[[^\]]*\]"
    r"|\((?:in [A-Z][a-z]+|[A-Z][a-z]+ with [A-Z][a-z]+ abstract)\)"
    r"|Review|In press|Erratum[^.]*|Published online[^.]*|Article\b|Accessed\b[^.]*|Available (?:from|at)\b:?"
    r"|\[?Internet\]?"
    # "… 971-82. IF: 5,895", "Retrieved January 22, 2010", "Viewed 3 May 2011": numbers that are no field
    r"|(?:IF|Impact factor)\s*[:=]?\s*\d[\d.,]*|(?:Retrieved|Viewed|Last accessed)\b.*)\.?\s*)+$",
    re.IGNORECASE,
)

# An article published online before its issue: "Lancet. 2003 Sep 20. pii: S0140-6736(03)14368-1."
_AHEAD_OF_PRINT = re.compile(
    rf"(?<=[.;])\s*{YEAR}(?:\s+{MONTH}(?:\s+\d{{1,2}})?)?(?:[.;]\s*(?:pii:?\s*\S+|e-?pub\b.*))?[.;\s]*$",
    re.IGNORECASE,
)
_IN_PRESS = re.compile(r"[\s.,;]*\(?\b(?:in press|forthcoming|accepted)\b\)?[\s.]*$", re.IGNORECASE)
# What _IN_PRESS cannot match without, casefolded (no "i": re's IGNORECASE also takes "ı" for it)
_IN_PRESS_WORDS = ("press", "forthcom", "accepted")
_IN_PRESS_WINDOW = 30
# Cheap test for whether the end of a reference may hold such notes at all.
_NOTE_HINT = re.compile(
    r"\]|\)[\s.]*$|Epub|Review|[Pp]ress|Erratum|Published|Article|Accessed|Available|Internet"
    r"|IF\s*[:=]|[Ii]mpact factor|Retrieved|Viewed"
)
_NOTE_HINT_WORDS = ("Epub", "Review", "Press", "press", "Erratum", "Published", "Article", "Accessed",
                    "Available", "Internet", "IF", "mpact factor", "Retrieved", "Viewed")
# "J Foo [Internet]. 2008": a medium note inside the source, not part of the journal's name.
_MEDIUM_NOTE = re.compile(
    r"\s*\[(?:Internet|serial online|serial on the Internet|online|electronic resource"
    # "2003 Sep [cited 2020 Jan 5];362": when a web copy was read, not when the work appeared
    r"|(?:cited|accessed|updated|revised)\b[^\]]{0,40})\]",
    re.IGNORECASE,
)

# A year printed after the authors: "(2008)", "(2008a).", "2006.", "(2007, March)".
_HEAD_YEAR = re.compile(
    rf"[\s.,:;]*(?:\(\s*(?P<py>{YEAR})[a-z]?(?:\s*,[^()]{{0,20}})?\s*\)|(?P<by>{YEAR})[a-z]?(?=[\s.,:;]))[\s.,:;]*"
)
_YEAR_ANYWHERE = re.compile(rf"(?<![\d/.])({YEAR})[a-z]?(?![\d/])")
_AFTER_AUTHORS = re.compile(r"[\s.,:;]*")
_EXTENSION_WINDOW = 200
_LIST_GOES_ON = re.compile(r"\s*(?:[,;&]|and\s)")
_HEAD_STOP = re.compile(rf"\(\s*{YEAR}[a-z]?\s*\)|\s:\s|:\s(?=[A-Z])|(?<=\.\s){YEAR}[a-z]?\.")
_LOWER_WORD = re.compile(
    r"(?<![\w'’])(?!(?:and|et|al|van|von|der|den|del|della|da|de|dos|das|du|le|la|zur|ten|ter)\b)[a-z]{3,}"
)
# (the look-behind of a bare year sits after its four digits, so a search skips ahead to "(", 1 and 2)
_LATE_YEAR = re.compile(
    rf"\(\s*(?P<paren>{YEAR})[a-z]?\s*\)|(?P<bare>{YEAR})(?<=[.,]\s\d{{4}})[a-z]?\.(?=\s)"
)
_GROUP_KEYWORD = (
    r"(?:Group|Investigators|Consortium|Committee|Task Force|Collaborat\w*|Working Party|Network|Society"
    r"|Association|Organi[sz]ation|Trialists|Panel|Authors)"
)
# A group ahead of the title: "PEACE Investigators. Prognostic…", "… ASTRA Study Group: Effect…"
_GROUP_PREFIX = re.compile(
    rf"(?P<group>(?:for\s+)?(?:the\s+)?(?:[\w'’()&-]+\s+){{0,12}}?{_GROUP_KEYWORD})(?:[:.]\s+)"
)
_GROUP_IN_LIST = re.compile(rf"\b{_GROUP_KEYWORD}\b")
# What _GROUP_PREFIX cannot match without; no "\b" first, so the search skips to the keywords' letters.
_GROUP_HINT = re.compile(_GROUP_KEYWORD)
# Words a group name may hold in lowercase ("Task Force for Translation and Cultural Adaptation").
_GROUP_FUNCTION_WORDS = frozenset(["for", "of", "the", "and", "on", "in", "to", "at", "study"])
_YEAR_ONLY = re.compile(YEAR)
_FIRST_DIGIT = re.compile(r"\d")
_LABEL_WINDOW = 80
# "Aapro et al. 2004:", "Cattoli, INOUYE 2009:", "Bonneau 1996 " ahead of the full reference: a family
# name, maybe more names or "et al.", a year (no other digits, no quotes), then the reference
_DATE_LABEL = re.compile(
    rf"(?P<family>[{UPPER}][^\W\d_]*(?:[-'’][^\W\d_]+)*)(?:,?\s+(?:et\s+al\.?|and|&|[^\W\d_][^\W\d_'’-]*),?){{0,4}}"
    rf"\s+\(?(?P<year>{YEAR})[a-z]?\)?\s*:?\s+(?=\S)"
)
_VOLUME_AND_PAGE = re.compile(r"\d\s*[,:;]\s*[A-Za-z]?\d")
_PAGES_LABEL = re.compile(r"\bpp?\.")
_LOWER_AFTER_SPACE = re.compile(r"\s[a-z]")
_SERIES_NUMBER = re.compile(r"\s*\(\d\)$")
_NAME_SPLIT = re.compile(r"[,;&]|\band\b")
_INITIALS_FIRST = re.compile(r"(?:and\s+)?[A-Z]\.")


def join_lines(text: str) -> str:
    """Undo PDF line wrapping: rejoin words split by an end-of-line hyphen, then one line."""
    if "\n" in text:
        parts: list[str] = []
        last = 0
        for m in _BREAK_HYPHEN.finditer(text):
            i, j = m.start(), m.end()
            parts.append(text[last:i])
            left, nxt = text[max(0, i - 2) : i], text[j : j + 1]
            # join "opti-\nmization"; keep "TDP-\n43", "Navarro-\nGarcia", "IL-\nbeta", "β-\nadrenergic"
            joined = len(left) == 2 and left[1].islower() and left[0].isalpha() and nxt.islower()
            parts.append("" if joined else "-")
            last = j
        parts.append(text[last:])
        text = "".join(parts)
    return " ".join(text.split())  # str.split() breaks at the same whitespace as \s


# Zero-width spaces and joiners, word joiner, BOM: web pages put them in to allow line breaks.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def drop_invisible(text: str) -> str:
    """``text`` without the zero-width characters a web copy may carry (cheap when there are none)."""
    if "\u200b" in text or "\ufeff" in text or "\u2060" in text or "\u200c" in text or "\u200d" in text:
        return text.translate(_INVISIBLE)
    return text


def parse_reference(text: str) -> Reference:
    """Parse one reference string (line breaks and all) into a :class:`Reference`.

    The string goes through :data:`STEPS` in order, each a small transform of a :class:`Draft`
    (bibtexparser v2's middleware model): first the cleaning steps that take out what is no
    field (numbers, link residue, identifiers, notes), then the steps that read the fields.
    """
    ref = Reference(raw=text)
    if not isinstance(text, str) or not text.strip():
        ref.warnings.append("empty reference")
        return ref
    draft = Draft(ref, text)
    try:
        for step in STEPS:
            step(draft)
            if draft.done:
                break
        if any(w in _UNREAD for w in ref.warnings):
            fill_from_labeller(draft)
        if ref.year is None:
            ref.year = draft.label_year
    except Exception as exc:  # noqa: BLE001 - a reference must come back even when the parser trips
        ref.warnings.append(f"parser error: {type(exc).__name__}")
    return ref


# Warnings that say the rules found no structure to read; the sequence labeller reads such strings.
_UNREAD = frozenset(["no volume/pages found", "no title found", "no authors found"])
_LABELLED_FIELDS = ("title", "journal", "year", "volume", "issue", "first_page", "last_page")


def fill_from_labeller(d: Draft) -> None:
    """Fields the rules left empty, from the CRF (:mod:`refkit.parse.crf`); what the rules read stays.

    Measured on styles neither saw in training or tuning, filling only the empty fields never
    made a field worse and raised journal, volume and pages (``bench/score_styles.py``).
    """
    from refkit.parse import crf  # the model loads on the first string the rules cannot read

    if not crf.available():
        return
    labelled = crf.crf_reference(d.text)
    if labelled.journal and re.search(re.escape(labelled.journal) + r"\s*:\s*[A-Z]", d.text):
        labelled.journal = None  # "New York: Wiley": a place of publication and its publisher, no journal
    filled = [name for name in _LABELLED_FIELDS
              if getattr(d.ref, name) is None and getattr(labelled, name) is not None
              and not (name == "title" and d.titleless)]
    for name in filled:
        setattr(d.ref, name, getattr(labelled, name))
    if not d.ref.authors and labelled.authors:
        d.ref.authors, d.ref.et_al = labelled.authors, labelled.et_al
        filled.append("authors")
    if filled:
        d.ref.warnings.append("read by the sequence labeller: " + ", ".join(filled))


@dataclass
class Draft:
    """A reference being read: the text left to read and what the steps so far have found."""

    ref: Reference
    text: str
    in_press: bool = False
    pos: int = 0  # where the author list ends
    start: int = 0  # where the title starts
    head_year: re.Match[str] | None = None
    year: int | None = None
    tail: re.Match[str] | None = None  # the source block (volume, issue, pages, maybe the year)
    tail_start: int = 0  # where the source block starts: the journal ends there
    middle: str = ""  # title and journal, between the authors (and year) and the source block
    done: bool = False  # a step read the rest itself; the later steps are skipped
    titleless: bool = False  # the style prints no title (a dotted journal right after the authors)
    label_year: int | None = None  # the year of a citation label before the reference


# --- cleaning: what is no field comes out --------------------------------------------------


def truncate(d: Draft) -> None:
    """A string longer than any reference is a segmentation accident: read its start only."""
    if len(d.text) > MAX_REFERENCE_CHARS:
        d.ref.warnings.append(
            f"reference longer than {MAX_REFERENCE_CHARS} characters; parsed the start only"
        )
        d.text = d.text[:MAX_REFERENCE_CHARS]


def normalise_characters(d: Draft) -> None:
    """Zero-width characters out, accents composed (``Sene\u0301cal`` is ``Senécal``), ``\r\n`` as ``\n``."""
    text = drop_invisible(d.text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:  # a Windows copy: its line breaks are read as any other
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    d.text = text


def drop_leading_number(d: Draft) -> None:
    """``[8]``, ``8.``, ``8<TAB>``, ``8 Dalakas MC``: the citation number is no field."""
    d.text = _LEADING_NUMBER.sub("", d.text, count=1)


def drop_author_date_label(d: Draft) -> None:
    """``Aapro et al. 2004: T. Aapro, …``: a citation label printed before the reference, no field.

    Author-date styles of archaeology and history print the short form a text cites by ahead of the
    full reference. It is known by its shape (names, then a year, then the full author list) and by
    what follows: the author list opens with the label's first family name again. Its year is kept
    for a reference that prints no other.
    """
    digit = _FIRST_DIGIT.search(d.text, 0, _LABEL_WINDOW)
    if digit is None or not _YEAR_ONLY.match(d.text, digit.start()):
        return  # the label's year is the first number of the string
    m = _DATE_LABEL.match(d.text)
    if not m:
        return
    rest = d.text[m.end() :]
    if m["family"].casefold() not in rest[:_LABEL_WINDOW].casefold():
        return  # "Smith J (2003) Title": the usual head, a year after the names, no label
    authors, _, _ = parse_author_block(rest)
    if authors and fold(authors[0].family) == fold(m["family"]):
        d.text, d.label_year = rest, int(m["year"])


def take_link_residue(d: Draft) -> None:
    """``[PubMed] [Google Scholar]``, a trailing ``crossref``: recorded as links, then removed."""
    d.text, d.ref.links = take_links(d.text)


def drop_stray_number_lines(d: Draft) -> None:
    """A line holding only the next item's number, left inside a reference by a PDF layout."""
    if "\n" in d.text:
        d.text = _STRAY_NUMBER_LINE.sub("\n", d.text)


def take_ids(d: Draft) -> None:
    """DOI, PMID, PMCID and URL come out before any field is read (never a volume or pages)."""
    d.text, ids = take_identifiers(d.text)
    ref = d.ref
    ref.doi, ref.pmid, ref.pmcid, ref.url = ids.get("doi"), ids.get("pmid"), ids.get("pmcid"), ids.get("url")


def join_wrapped_lines(d: Draft) -> None:
    d.text = join_lines(d.text)


# A year run into the name before it: "and B. Surh2004 “Thermal…", "Caramello, N.2002 “Puumala…"
# (styles that print the year after the names with no space in plain text). Only after a capitalised
# word or an initial's stop, and only a year standing alone (not "p.1999-2005", "MCF2007", nor a
# title's "in the year2000"). The look-behind sits after the digits: the search skips to 1 and 2.
_GLUED_YEAR = re.compile(rf"{YEAR}(?<=[a-z]{{2}}\d{{4}}|[A-Z]\.\d{{4}})(?=[a-z]?(?:[\s.,;:()“”\"'’]|$))")


def split_glued_year(d: Draft) -> None:
    """``Surh2004`` → ``Surh 2004``: a year glued to the name before it is a token of its own."""
    if any(map(str.isdigit, d.text)):
        d.text = _GLUED_YEAR.sub(_space_glued_year, d.text)


def _space_glued_year(m: re.Match[str]) -> str:
    text, i = m.string, m.start()
    if text[i - 1] == ".":  # "N.2002": an initial (the look-behind saw its capital)
        return " " + m.group()
    word = i
    while word > 0 and text[word - 1].isalpha():
        word -= 1
    return " " + m.group() if text[word].isupper() else m.group()


def drop_empty_notes(d: Draft) -> None:
    """Brackets emptied by the steps above, and medium notes (``[Internet]``, ``[cited 2020 Jan 5]``)."""
    text = _EMPTY_BRACKETS.sub(" ", d.text)
    if "[" in text:
        text = _MEDIUM_NOTE.sub("", text)
    d.text, _ = take_links(text)  # residue words that followed an identifier


def take_in_press(d: Draft) -> None:
    """``… J Foo (in press)``: the journal is known, the source block not yet."""
    window = max(0, len(d.text) - _IN_PRESS_WINDOW)
    tail = d.text[window:].casefold()
    if not any(word in tail for word in _IN_PRESS_WORDS):
        return
    in_press = _IN_PRESS.search(d.text, window)
    if in_press:
        d.text = d.text[: in_press.start()]
        d.in_press = True


def drop_trailing_notes(d: Draft) -> None:
    """``Epub 2003 Aug 1``, ``Review``, ``IF: 5,895``, ``Retrieved January 22, 2010``: no field."""
    d.text = _strip_trailing_notes(d.text)


# --- fields: read from both ends ------------------------------------------------------------


def read_authors(d: Draft) -> None:
    """The author list at the head (:mod:`refkit.parse.names`), read on leniently to a clear end."""
    authors, et_al, pos = parse_author_block(d.text)
    d.pos = _extend_author_block(d.text, pos, authors)
    d.ref.authors, d.ref.et_al = authors, et_al


def read_head_year(d: Draft) -> None:
    """The year after the names: ``Author (2008) Title``, ``Fuligni, A. J. (1998).``, ``Name, I. 2006.``."""
    head_year = _HEAD_YEAR.match(d.text, d.pos)
    if head_year and (not d.ref.authors or _year_opens_title(d.text, d.pos, head_year)):
        head_year = None
    if head_year:
        d.head_year = head_year
        d.year = int(head_year.group("py") or head_year.group("by"))
        d.start = head_year.end()
    else:
        d.start = _AFTER_AUTHORS.match(d.text, d.pos).end()


def read_source_block(d: Draft) -> None:
    """The source block matched against the end (:mod:`refkit.parse._source_block`)."""
    d.tail, d.tail_start = match_source_block(d.text, d.start)


def read_without_source_block(d: Draft) -> None:
    """No volume or pages: a year anywhere, a title, and a journal where one reads as such."""
    if d.tail is not None:
        return
    ref = d.ref
    ref.warnings.append("no volume/pages found")
    middle = d.text[d.start :]
    any_year = _YEAR_ANYWHERE.findall(middle)
    if d.year is None and any_year:
        d.year = int(any_year[-1])
    ref.year = d.year
    if not ref.authors:
        group, middle = _group_author(middle)
        if group:
            ref.authors = [group]
    ahead = _AHEAD_OF_PRINT.search(middle) if not d.in_press else None
    if ahead:  # "Title. Lancet. 2003 Sep 20. pii: S0140…": online first, the journal known
        middle = middle[: ahead.start()]
    if d.in_press or ahead:  # "Title. J Foo (in press)": the journal is known, the source block not yet
        title, journal = split_title_journal(middle)
        ref.journal = journal if journal and ":" not in journal else None  # not "New York: Wiley"
    else:
        title, ref.journal = _title_and_bare_journal(middle)
    ref.title = title or None
    if not ref.authors:
        ref.warnings.append("no authors found")
    d.done = True


def read_source_fields(d: Draft) -> None:
    """Volume, issue, pages (the last page expanded: ``971-82`` → ``982``) and the block's year."""
    ref, fields = d.ref, d.tail.groupdict()  # type: ignore[union-attr]  # read_without_source_block ran
    ref.volume = fields.get("volume")
    ref.issue = fields.get("issue")
    first = fields.get("first")
    if fields.get("glued"):  # "Brain. 130535–547": the range's shape splits volume from first page
        ref.volume, first = split_glued_volume(fields["glued"], fields["last"]) or (None, fields["glued"])
    ref.first_page = first
    ref.last_page = expand_last_page(first, fields.get("last"))
    tail_year = fields.get("year")
    if (not tail_year and ref.volume and ref.issue is None and _YEAR_ONLY.fullmatch(ref.volume)
            and _PAGES_LABEL.search(d.tail.group())):  # type: ignore[union-attr]
        # "…, Las Vegas, NV, USA, 2016, pp. 770–778": a year before labelled pages, as proceedings print it
        tail_year, ref.volume = ref.volume, None
    if tail_year and d.head_year and d.head_year.group("by") and int(tail_year) != d.year:
        # "Smith J. 2009 H1N1 influenza pandemic. Lancet 2010;…": the bare number opened the title
        d.year, d.start = None, _AFTER_AUTHORS.match(d.text, d.pos).end()
    if d.year is None and tail_year:
        d.year = int(tail_year)
    d.middle = d.text[d.start : d.tail_start].strip(" ,;:")


def read_middle_year(d: Draft) -> None:
    """A year the head did not give: closing a longer author list, or between journal and volume."""
    ref = d.ref
    if d.head_year is None or not ref.authors:
        d.middle, late_year = _late_head_year(d.middle, ref.authors)
        d.year = d.year or late_year
    d.middle = _take_group_prefix(d.middle, ref.authors)
    if d.year is None:
        found = _YEAR_ANYWHERE.findall(d.middle)
        if found:
            d.year = int(found[-1])
            middle = _YEAR_ANYWHERE.sub(" ", d.middle)  # a bare year between journal and volume
            d.middle = _SPACES.sub(" ", _EMPTY_BRACKETS.sub(" ", middle)).strip(" ,;:")
    ref.year = d.year


def read_group_author(d: Draft) -> None:
    """Without personal names, a short first sentence before the title is a group author."""
    if not d.ref.authors and d.middle:
        group, d.middle = _group_author(d.middle)
        if group:
            d.ref.authors = [group]


def drop_repeated_date(d: Draft) -> None:
    """``Nat Neurosci. 2000. Vol. 3, p. 1027``: the date printed again before the volume."""
    dated = _trailing_date(d.middle)
    dated_year = int(_YEAR_ANYWHERE.search(dated.group()).group(1)) if dated and dated.start() > 0 else None
    if dated and dated_year and (d.year is None or dated_year == d.year):
        d.ref.year = d.year = dated_year
        d.middle = d.middle[: dated.start()]


def read_title_and_journal(d: Draft) -> None:
    """The middle is title then journal (:mod:`refkit.parse._title_journal`); or a journal alone."""
    if d.middle.endswith(")"):
        # "Ann. of Math. (2) 54 (1951)": the series of the journal (AMS prints it), not part of its name
        d.middle = _SERIES_NUMBER.sub("", d.middle)
    title, journal = split_title_journal(d.middle)
    if title and _LOWER_AFTER_SPACE.search(title) is None and abbreviation_chain(d.middle):
        # "W. Kohn and L. J. Sham, Phys. Rev. 140": no title, a dotted journal the split cut at a dot
        # (a title with a word in lowercase is a title: the test that keeps this rare is first)
        d.ref.journal, d.titleless = d.middle, True
        return
    if not journal and title and journal_alone(title):
        title, journal = "", title  # "J. Bagshaw and M. E. Heaton, Nephrol Dial Transplant, 2008, 23, 1569"
    d.ref.title = title or None
    d.ref.journal = journal or None


def warn_missing(d: Draft) -> None:
    if not d.ref.authors:
        d.ref.warnings.append("no authors found")
    if not d.ref.title:
        d.ref.warnings.append("no title found")


# The order matters: each step reads what the ones before it left.
CLEANING_STEPS: tuple[Callable[[Draft], None], ...] = (
    truncate, normalise_characters, drop_leading_number, drop_author_date_label, take_link_residue,
    drop_stray_number_lines, take_ids, join_wrapped_lines, split_glued_year, drop_empty_notes, take_in_press,
    drop_trailing_notes,
)
FIELD_STEPS: tuple[Callable[[Draft], None], ...] = (
    read_authors, read_head_year, read_source_block, read_without_source_block, read_source_fields,
    read_middle_year, read_group_author, drop_repeated_date, read_title_and_journal, warn_missing,
)
STEPS = CLEANING_STEPS + FIELD_STEPS


# A date closing a reference that prints no volume or pages: "Nat Struct Biol, 1997.", "Phys Med Biol 2008;"
_TRAILING_DATE = re.compile(
    rf"[\s.,;(]*\b(?:{MONTH}\s+)?(?:\d{{1,2}},?\s+)?{YEAR}[a-z]?(?:\s+{MONTH}(?:\s+\d{{1,2}})?)?\)?[\s.,;]*$"
)
_MAX_BARE_JOURNAL_WORDS = 12
_DATE_WINDOW = 40  # a trailing date is short: "…, Sept. 22, 2003)."


def _trailing_date(text: str) -> re.Match[str] | None:
    """The date ending ``text``, searched in its last characters only (anchored at the end)."""
    return _TRAILING_DATE.search(text, max(0, len(text) - _DATE_WINDOW)) if _ends_dated(text) else None


def _ends_dated(text: str) -> bool:
    tail = text[-_DATE_WINDOW:]
    return any(map(str.isdigit, tail[-12:])) and YEAR_HINT.search(tail) is not None


def _title_and_bare_journal(middle: str) -> tuple[str, str | None]:
    """Title and journal of a reference that prints no volume or pages (``Title. J Neurosci.``).

    What follows the title is a journal only when it reads as a name: no colon (``New York:
    Wiley`` is a publisher), no digits (``2nd ed.``), a capital first, a few words.
    """
    dated = _trailing_date(middle)
    body = middle[: dated.start()] if dated else middle
    title, journal = split_title_journal(body)
    if (
        journal
        and ":" not in journal
        and not any(c.isdigit() for c in journal)
        and journal[0].isupper()
        and len(journal.split()) <= _MAX_BARE_JOURNAL_WORDS
    ):
        return title, journal
    return first_sentence(middle), None


def _year_opens_title(text: str, pos: int, head_year: re.Match[str]) -> bool:
    """``Hohlfeld R. 2017 European League…``: a bare year after a closed author list, then a word.

    Styles that print the year there set it apart (``Hohlfeld R. 2003. Title``, ``Wilson W 2003
    Title`` with no stop before it); a sentence end before the year and none after it make the
    year the title's first word.
    """
    if not head_year.group("by"):
        return False
    end = head_year.end("by")
    closed = "." in text[max(0, pos - 1) : head_year.start("by")]  # the author block may end on its dot
    return closed and text[end : end + 1] == " " and text[end + 1 : end + 2].isalnum()


def _extend_author_block(text: str, pos: int, authors: list[Author]) -> int:
    """Read on past names the strict parser could not read, up to a clear end of the author list.

    ``Schlüter A, Szczepanowski R, Pühler, Top EM (2007)``, ``…, Guo YL, Kim : Ambient…``,
    ``Kettis-Lindblad, A ˚ ., Ring, L. (2006).``: when the list visibly goes on (a separator
    follows the last name, or no name was read) and a ``(year)`` or a colon closes it soon
    after, the stretch in between is more names, provided it holds no lowercase words.
    """
    rest = text[pos : pos + _EXTENSION_WINDOW]
    if authors and not _LIST_GOES_ON.match(rest):
        return pos
    stop = _HEAD_STOP.search(rest)
    if not stop or stop.start() == 0:
        return pos
    segment = rest[: stop.start()]
    if _YEAR_ANYWHERE.search(segment) or _VOLUME_AND_PAGE.search(segment):
        # "Matz N.G., 1985. Title In Title Case: …": a year closed the list already; "A. D. Becke,
        # J. Chem. Phys. 98, 5648 (1993)": a volume and its page, the source
        return pos
    if _LOWER_WORD.search(segment):
        # "…, Erikson P, ISPOR Task Force for Translation and Cultural Adaptation: Principles…"
        group = segment.strip(" ,;&")
        if not (_GROUP_IN_LIST.search(group) and _looks_like_group(group)):
            return pos
        authors.append(Author(group, None, group=True))
        return pos + stop.start()
    if authors and _INITIALS_FIRST.match(text) and not _INITIALS_FIRST.match(segment.lstrip(" ,;&")):
        # "J. H. Holmes, Corrigendum to: Birds…": in a list of initials-first names, words without
        # initials before them are the title
        return pos
    extra = _lenient_names(segment)
    if not extra or '"' in segment or "“" in segment:
        return pos
    authors.extend(extra)
    return pos + stop.start()


def _lenient_names(segment: str) -> list[Author]:
    names: list[Author] = []
    for chunk in _NAME_SPLIT.split(segment):
        words = [w.strip(".´˚'") for w in chunk.split()]
        words = [w for w in words if w and w[0].isalpha()]
        if not words:
            continue
        if len(words) > 4:  # a group ("… Study Group"), or else a Title Case title rather than names
            if not _GROUP_IN_LIST.search(chunk):
                return []
            names.append(Author(" ".join(chunk.split()), None, group=True))
            continue
        family = [w for w in words if not (w.isupper() and len(w) <= 3)]
        initials = "".join(w for w in words if w.isupper() and len(w) <= 3)
        if not family:
            if names and not names[-1].given:
                names[-1].given = initials
            continue
        names.append(Author(" ".join(family), initials or None))
    return names


def _late_head_year(middle: str, authors: list[Author]) -> tuple[str, int | None]:
    """Find the ``(2007)`` or ``2007.`` that closes an author list the name parser stopped short of.

    ``Schlüter A, Szczepanowski R, Pühler, Top EM (2007) Genomics…``: the names after the
    parser stopped are read leniently and the title starts after the year.
    """
    m = _LATE_YEAR.search(middle, 0, _EXTENSION_WINDOW + 100)
    if not m or len(middle) - m.end() < 10:
        return middle, None
    residue = middle[: m.start()].strip(" ,;:&")
    has_lower = bool(_LOWER_WORD.search(residue))
    if has_lower and (m.group("bare") or len(residue) > 60 or ". " in residue):
        return middle, None
    if residue:
        if has_lower:
            authors.append(Author(residue, None, group=True))
        else:
            names = _lenient_names(residue)
            if not names:
                return middle, None
            authors.extend(names)
    return middle[m.end() :].lstrip(" .,:;"), int(m.group("paren") or m.group("bare"))


def _take_group_prefix(middle: str, authors: list[Author]) -> str:
    """``ISPOR Task Force …: Principles…``, ``PEACE Investigators. Prognostic…``: group authors."""
    m = _GROUP_PREFIX.match(middle) if _GROUP_HINT.search(middle) else None
    if m and len(middle) - m.end() > 10 and _looks_like_group(m.group("group")):
        authors.append(Author(m.group("group").strip(), None, group=True))
        return middle[m.end() :]
    return middle


def _looks_like_group(name: str) -> bool:
    """A group name is in title case: "ASTRA Study Group", not "Association of diet with risk"."""
    words = [w.strip("()&-'’") for w in name.split()]
    return all(not w or w[0].isupper() or w.lower() in _GROUP_FUNCTION_WORDS for w in words)


def _strip_trailing_notes(text: str) -> str:
    end = text[-120:]
    # Plain substring tests first: most references hold none of the hints, and these are cheap. The
    # text is on one line by now (join_wrapped_lines), so "[\s.]*$" is a strip of spaces and stops.
    closed = "]" in end or end.rstrip(" .").endswith(")")
    if not closed and not any(map(end.__contains__, _NOTE_HINT_WORDS)):
        return text
    if not _NOTE_HINT.search(end):
        return text
    m = _TRAILING_NOTES.search(text, max(0, len(text) - 120))
    if m and m.start() > 0:
        return text[: m.start()].rstrip()
    return text


def _group_author(middle: str) -> tuple[Author | None, str]:
    """Without personal names, a short first sentence followed by a title and journal is a group."""
    bounds = [m.start() for m in BOUNDARY.finditer(middle)]
    if len(bounds) >= 2:
        first = middle[: bounds[0]].strip()
        if 0 < len(first.split()) <= 8 and middle[bounds[0]] == "." and not _LOWER_WORD.search(first):
            return Author(first, None, group=True), middle[bounds[0] + 1 :].strip()
    return None, middle
