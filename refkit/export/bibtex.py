"""BibTeX through bibtexparser v2's Library/Entry model and writer.

Entries are built from ``ExportRecord``s with plain Unicode values; ``LatexEncoder`` (a
bibtexparser middleware) turns them into safe BibTeX just before the writer runs. Entry
types and fields are chosen so that ``biber --tool --validate-datamodel`` and a classic
``bibtex`` run with ``plain.bst`` accept every entry without a warning: a reference that
lacks what ``@article`` requires becomes ``@misc`` with its source in ``howpublished``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares import AddEnclosingMiddleware, BlockMiddleware
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat

from refkit.export.keys import STOPWORDS
from refkit.export.latex import decode_text, encode_text, encode_verbatim
from refkit.export.record import ExportRecord, export_records
from refkit.model import Author, Reference

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
VERBATIM_FIELDS = frozenset({"doi", "url", "eprint"})
TITLE_FIELDS = frozenset({"title", "booktitle"})


@dataclass
class NameList:
    """An author field before encoding: the names, and whether the citation said et al."""

    authors: list[Author]
    et_al: bool = False


def to_bibtex(references: Iterable[Reference], *, ascii: bool = False) -> str:
    """A .bib file with one entry per reference (UTF-8 for biber; LaTeX escapes if ``ascii``)."""
    library = Library([bibtex_entry(record) for record in export_records(references)])
    bibtex_format = BibtexFormat()
    bibtex_format.indent = "  "
    bibtex_format.trailing_comma = True
    bibtex_format.block_separator = "\n"
    # The library is ours alone, so the middlewares may work in place (no deep copies).
    stack = [LatexEncoder(ascii=ascii, allow_inplace_modification=True),
             AddEnclosingMiddleware(reuse_previous_enclosing=False, enclose_integers=True,
                                    default_enclosing="{", allow_inplace_modification=True)]
    text = bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=bibtex_format)
    return text if not text or text.endswith("\n") else text + "\n"


def bibtex_entry(record: ExportRecord) -> Entry:
    """The entry with plain values (``LatexEncoder`` encodes them on writing)."""
    pages = "--".join(p for p in (record.first_page, record.last_page) if p) if record.first_page else None
    has_core = bool(record.authors and record.title and record.year)
    fields: list[tuple[str, object]] = []
    if record.authors:
        fields.append(("author", NameList(record.authors, record.et_al)))
    if record.kind == "article" and has_core and record.container:
        entry_type = "article"
        fields += [("title", record.title), ("journal", record.journal)]
        fields += _date(record) + _volume_number(record.volume, record.issue) + [("pages", pages)]
    elif record.kind == "paper" and has_core and record.container:
        entry_type = "inproceedings"  # plain.bst warns on volume together with number: volume only
        fields += [("title", record.title), ("booktitle", record.container)]
        volume = record.volume if record.volume and record.volume.isdigit() else None
        fields += _date(record) + [("volume", volume), ("pages", pages)]
        fields.append(("publisher", record.publisher))
    elif record.kind == "book" and has_core and record.publisher:
        entry_type = "book"
        fields += [("title", record.title), ("publisher", record.publisher)] + _date(record)
    else:
        entry_type = "misc"  # biber accepts no journal/volume/pages on @misc: they go to howpublished
        fields += [("title", record.title or record.raw), ("howpublished", _source(record, pages))]
        fields += _date(record)
    fields += [("doi", record.doi)]
    # biblatex has no pmid field: eprint with eprinttype pubmed is its way (a PMCID when no PMID).
    if record.pmid:
        fields += [("eprint", record.pmid), ("eprinttype", "pubmed")]
    elif record.pmcid:
        fields += [("eprint", record.pmcid), ("eprinttype", "pmcid")]
    if not record.doi:
        fields.append(("url", record.url))
    if entry_type in ("article", "misc"):
        fields.append(("issn", next((i for i in record.issn if valid_issn(i)), None)))
    if not record.authors:  # plain.bst sorts by author, else by ``key``; it warns if both are missing
        fields.append(("key", record.key))
    pmcid_note = [f"PMCID: {record.pmcid}"] if record.pmid and record.pmcid else []
    fields.append(("note", "; ".join(record.notes + pmcid_note) or None))
    return Entry(entry_type, record.key, [_field(k, v) for k, v in fields if v not in (None, "")])


def _date(record: ExportRecord) -> list[tuple[str, object]]:
    if not record.year:
        return []
    month = MONTHS[record.month - 1] if record.month and 1 <= record.month <= 12 else None
    return [("year", str(record.year)), ("month", month)]


def _volume_number(volume: str | None, issue: str | None) -> list[tuple[str, object]]:
    """biber wants an integer volume: ``84 Suppl 1`` → volume 84, number ``Suppl 1`` (+ issue)."""
    match = re.fullmatch(r"(\d+)\s*(.*)", volume or "")
    rest = match.group(2).strip(" ,;") if match else volume
    number = " ".join(p for p in (rest, issue) if p) or None
    if not match:  # plain.bst warns on a number without a volume; biblatex's issue is free text
        return [("issue", number)]
    return [("volume", match.group(1)), ("number", number)]


def _source(record: ExportRecord, pages: str | None) -> str | None:
    """``Lancet. 362(9388):971--982``: where a @misc appeared, since biber forbids the fields."""
    detail = record.volume or ""
    if record.issue:
        detail += f"({record.issue})"
    if pages:
        detail += f":{pages}" if detail else f"pages {pages}"
    publisher = record.publisher if record.kind != "article" else None
    container = record.journal if record.kind in ("article", "other") else record.container
    if container and record.kind == "chapter":
        container = f"In: {container}"
    parts = [p for p in (container, publisher, detail) if p]
    return ". ".join(parts) or None


def _field(key: str, value: object) -> Field:
    field = Field(key, value)
    if key == "month":  # BibTeX's month macros (jan…dec): understood by bibtex and biber
        field.enclosing = "no-enclosing"
    return field


def valid_issn(issn: str) -> bool:
    """ISSN check digit (biber validates it and warns on a bad one)."""
    digits = issn.replace("-", "").upper()
    if not re.fullmatch(r"\d{7}[\dX]", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return digits[7] == ("X" if check == 10 else str(check))


class LatexEncoder(BlockMiddleware):
    """Turns plain values into BibTeX: escapes, protected title words, names, verbatim fields."""

    def __init__(self, ascii: bool = False, allow_inplace_modification: bool = False):
        super().__init__(allow_inplace_modification=allow_inplace_modification, allow_parallel_execution=True)
        self.ascii = ascii

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        for field in entry.fields:
            if field.key == "month":
                continue
            if isinstance(field.value, NameList):
                field.value = encode_names(field.value, ascii=self.ascii)
            elif field.key in VERBATIM_FIELDS:
                field.value = encode_verbatim(str(field.value), ascii=self.ascii)
            elif field.key in TITLE_FIELDS:
                field.value = protect_title(str(field.value), ascii=self.ascii)
            else:
                field.value = encode_text(str(field.value), ascii=self.ascii)
        return entry


def encode_names(names: NameList, *, ascii: bool = False) -> str:
    """``Dalakas, M. C. and Hohlfeld, R. and others``; groups and odd names braced whole."""
    parts = []
    for author in names.authors:
        family = encode_text(author.family, ascii=ascii)
        given = author.given
        if not family:
            continue
        if author.group or not given or _needs_braces(author.family):
            family = "{" + family + "}"
        if given:
            given_text = encode_text(given, ascii=ascii)
            if _needs_braces(given):
                given_text = "{" + given_text + "}"
            parts.append(f"{family}, {given_text}")
        else:
            parts.append(family)
    if names.et_al and parts:
        parts.append("others")
    return " and ".join(parts)


def _needs_braces(name: str) -> bool:
    """A comma or the word ``and`` would be read as name structure by bibtex and biber."""
    return "," in name or re.search(r"\band\b", name, re.IGNORECASE) is not None


_WORD = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)


def protect_title(title: str, *, ascii: bool = False) -> str:
    """Encode a title, bracing acronyms and proper nouns so styles keep their capitals.

    ``{IVIG}``, ``{T-cell}``, ``{COVID-19}``, ``{mRNA}`` always; in a sentence-case title
    also capitalised words after the first (``{French} {Canadian}``), which are names.
    """
    tokens = re.split(r"(\s+)", title)
    words = [t for t in tokens if t and not t.isspace()]
    sentence_case = _is_sentence_case(words)
    out = []
    after_stop = True  # the title start, or after ':' / '.' / '?' / '!'
    for token in tokens:
        if not token or token.isspace():
            out.append(token)
            continue
        match = _WORD.match(token)
        assert match is not None
        lead, core, trail = match.groups()
        proper_noun = sentence_case and not after_stop and _is_capitalised(core)
        protect = bool(core) and (_is_acronym(core) or proper_noun)
        if protect:
            out.append(encode_text(lead, ascii=ascii) + "{" + encode_text(core, ascii=ascii) + "}"
                       + encode_text(trail, ascii=ascii))
        else:
            out.append(encode_text(token, ascii=ascii))
        if core:
            after_stop = bool(re.search(r"[:.?!]$", token))
    return "".join(out)


def _is_acronym(core: str) -> bool:
    """Internal capitals (IVIG, mRNA, McArdle), a lone capital part (T-cell), or caps with digits."""
    for part in re.split(r"[-/–]", core):
        letters = [c for c in part if c.isalpha()]
        if not letters:
            continue
        if any(c.isupper() for c in part[1:]):
            return True
        if len(letters) == 1 and letters[0].isupper() and len(re.split(r"[-/–]", core)) > 1:
            return True
        if part[0].isupper() and any(c.isdigit() for c in part):
            return True
    return len(core) == 1 and core.isupper() and core != "A"


def _is_capitalised(core: str) -> bool:
    return core[:1].isupper()


def _is_sentence_case(words: list[str]) -> bool:
    """Title Case capitalises (nearly) every significant word after the first; sentence case few."""
    significant = []
    for word in words[1:]:
        core = _WORD.match(word).group(2)  # type: ignore[union-attr]
        if len(core) >= 4 and core.isalpha() and core.lower() not in STOPWORDS:
            significant.append(core)
    if not significant:
        return True
    return sum(w[0].isupper() for w in significant) / len(significant) < 0.75


class LatexDecoder(BlockMiddleware):
    """Reads refkit's own BibTeX back to plain values (for round trips and re-import)."""

    def __init__(self):
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=True)

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        for field in entry.fields:
            if field.key not in VERBATIM_FIELDS and isinstance(field.value, str):
                field.value = decode_text(field.value)
        return entry


def read_bibtex(text: str) -> list[dict[str, str]]:
    """Entries of a .bib file as plain dicts (``ENTRYTYPE``, ``ID`` and the decoded fields)."""
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecoder()])
    if library.failed_blocks:
        raise ValueError(f"{len(library.failed_blocks)} BibTeX block(s) failed to parse")
    return [{"ENTRYTYPE": e.entry_type, "ID": e.key, **{f.key: f.value for f in e.fields}}
            for e in library.entries]


def plain_fields(entry: Entry) -> dict[str, str]:
    """An unencoded entry's fields as the strings ``read_bibtex`` should give back."""
    fields = {}
    for field in entry.fields:
        value = field.value
        if isinstance(value, NameList):
            names = [f"{a.family}, {a.given}" if a.given else a.family for a in value.authors]
            value = " and ".join(names + (["others"] if value.et_al and names else []))
        fields[field.key] = str(value)
    return fields
