"""Author lists at the head of a reference string.

Reference styles write a person in one of three orders, and a list may mix them
(``Rosenstein, M., J. J. Collins, and C. J. de Luca``):

* family then bare initials: ``Dalakas MC``, ``de Haan S``, ``Kaelin WG Jr`` (Vancouver, Springer, BMC);
* family, comma, dotted initials or a given name: ``Fuligni, A. J.``, ``Rafferty, Matthew`` (APA, Harvard);
* initials then family: ``M. Suwalsky``, ``BF Walker``, ``C. J. de Luca`` (Elsevier, physics journals).

:func:`parse_author_block` reads people from the start of a string for as long as the
text keeps looking like a list of names, and says where the list stopped, so the
caller can find the title after it. Given names come back as the initials printed,
without dots or spaces (``A. J.`` → ``AJ``).
"""

from __future__ import annotations

import re

from refkit.dates import YEAR
from refkit.model import Author

# Letter classes built from Unicode case data so that Senécal, Pawlęga and Łukasz are names too.
_LATIN = [chr(c) for c in range(0x41, 0x250)]
UPPER = "".join(c for c in _LATIN if c.isupper() and c.isalpha())
LOWER = "".join(c for c in _LATIN if c.islower() and c.isalpha()) + "ß"
_U = f"[{UPPER}]"
_L = f"[{LOWER}]"
_APOS = "['’`´]"

# One capitalised word of a family name: Dalakas, McIntosh, MCGuckin, O'Brien, Moran-Gates, LeMeur.
# Each later segment starts with a hyphen, an apostrophe or a capital, so a run of lowercase
# letters can be read one way only (no catastrophic backtracking on "Nedeljkovic´SSNedeljkovic´").
# The word is read one way only, and whatever may follow it (a space, a comma, a stop, a bracket)
# is no letter, hyphen or apostrophe, so a shorter reading never matches where the whole word did
# not: the atomic group (?>…) tells the engine not to try them (a failed form costs a third less).
_FAMILY_WORD = rf"(?>(?!(?:Jr|Sr)\b)(?:{_U}{_APOS})?{_U}+{_L}+(?:(?:-|{_APOS}){_U}*{_L}+|{_U}+{_L}+)*)"
# Some journals print family names in capitals (ZHANG, VAN DER HEIJDEN, ABU-ABIED).
_CAPS_WORD = rf"(?:{_U}{_APOS})?{_U}{{2,}}(?:-{_U}{{2,}})*(?![{LOWER}])"
# The particles are grouped by first letter (van von; de der den del della delle dei di da do dos das
# du; la le; ten ter; zu zur; op; al el; bin ben; St Ste; DE DER DI DA DU; VAN VON; LA LE): the regex
# engine then rules out a name that starts with no particle's letter in one test, not forty.
_PARTICLE = (
    r"(?:(?:[vV](?:an|on)|[dD](?:e(?:r|n|l|lla|lle|i)?|i|a|os?|as|u)|[lL][ae]|[tT]e[nr]|[zZ]ur?|[oO]p"
    r"|[ae]l|b[ie]n|Ste?\.?|D(?:E|ER|I|A|U)|V(?:AN|ON)|L[AE])\s+"
    r"|[dDlL]['’](?=[A-Z])|(?:de|van|von|di|da|du|le|la|del)(?=[A-Z][a-z]))"
)
_CAPS_PARTICLE = r"(?:(?:VAN|VON|DE|DER|DEN|DI|DA|LA|LE|DU)\s+)"
_FAMILY = (
    rf"(?:{_PARTICLE}{{0,3}}{_FAMILY_WORD}(?:\s+{_PARTICLE}{{0,2}}{_FAMILY_WORD}){{0,2}}"
    # a second capitalised word must be long, or "PERRY AML" (family, initials) would read as one name
    rf"|{_CAPS_PARTICLE}{{0,3}}{_CAPS_WORD}(?:\s+{_CAPS_PARTICLE}{{0,2}}(?={_U}{{6}}){_CAPS_WORD})?)"
)
_SUFFIX = r"(?:,?\s+(?:Jr|Sr|II|III|IV|2nd|3rd)\.?)"
_END = r"(?=[\s,.;:()&]|$)"

# Family then initials (Vancouver): "Dalakas MC", "Senécal JL", "Smith J-P", "Smith J.A.", "Leuschner Ch,".
_FAMILY_INITIALS = re.compile(
    rf"(?P<family>{_FAMILY})(?:\s+(?:Jr|Sr)\.?)?\s+(?P<given>(?:{_U}\.\s?-?){{1,5}}"
    # initials apart by spaces ("Lee L G, Fukumoto R K, 2006"), only where a separator follows
    rf"|{_U}(?:\s{_U}){{1,2}}(?=,|\s+(?:and|&)\s)"
    rf"|{_U}{{1,5}}(?:-{_U}{{1,2}})?|{_U}{_L}(?=,))"
    rf"(?P<suffix>{_SUFFIX})?{_END}"
)
# Family, comma, dotted initials or given name (APA, Harvard): "Fuligni, A. J.", "Leong, J.-A. C.".
_FAMILY_COMMA_GIVEN = re.compile(
    rf"(?P<family>{_FAMILY}),\s*(?P<given>(?:{_U}{_L}+\s+)?(?:{_U}{_L}?\.\s?-?\s?){{1,4}}|{_U}{_L}+(?:\s+{_U}{_L}+)?(?:\s+{_U}\.)?(?=[.,;:(&]|\s+(?:and|&)\s|\s*$)"
    # bare initials after the comma: "Hatfield, M, Nonomura, R and Ghioni, R. 2006"
    # or before the year: "Mroczek, AL, Ben-arie, P & Bolbos, B 1997, 'Title'"
    rf"|{_U}{{1,3}}(?=,|\s+(?:and|&)\s|\.\s|\s+\(?{YEAR}(?!\d)))"
    rf"(?P<suffix>{_SUFFIX})?{_END}"
)
# Initials then family: "M. Suwalsky", "C.P. Sotomayor", "BF Walker", "J.-A. C. Leong".
_INITIALS_FAMILY = re.compile(
    rf"(?P<given>(?:{_U}{_L}?\.\s?-?\s?){{1,4}}|{_U}{{1,3}}\s)\s*(?P<family>{_FAMILY})(?P<suffix>{_SUFFIX})?{_END}"
)
_FORMS = (_FAMILY_COMMA_GIVEN, _FAMILY_INITIALS, _INITIALS_FAMILY)
_INITIALS_ONLY = (
    re.compile(rf"(?P<given>(?:{_U}{_L}?\.\s?-?\s?){{1,4}})\s*(?P<family>{_FAMILY})(?P<suffix>{_SUFFIX})?{_END}"),
)
# Given name first (Chicago, MLA, some Vancouver copies): "Marinos C. Dalakas", "John Barriga", "Jean-Luc
# Senécal". A title reads the same way ("Heart Failure"), so such a name must be followed at once by
# a list separator or the end of the list, and a list read this way is taken only as a whole
# (see parse_author_block).
_GIVEN_FAMILY = re.compile(
    rf"(?P<given>{_U}{_L}+(?:-{_U}{_L}+)?(?:\s+{_U}\.(?:\s?-?{_U}\.)?)?)\s+"
    # no family in capitals here: "Fidler BM" is family and initials
    rf"(?P<family>{_PARTICLE}{{0,3}}{_FAMILY_WORD}(?:\s+{_PARTICLE}{{0,2}}{_FAMILY_WORD})?)"
    rf"(?P<suffix>{_SUFFIX})?(?=\s*[,.;:(&]|\s+and\s|$)"
)
_GIVEN_FIRST_FORMS = (_GIVEN_FAMILY, _FAMILY_COMMA_GIVEN)
_GIVEN_FIRST_HINT = re.compile(rf"\s*{_U}[\w'’-]*[{LOWER}][\s,]")
# Where an author list visibly ends: "Dalakas. Title", "Dalakas: Title", "Dalakas (2003)", "et al".
_SENTENCE_THEN_CAPITAL = re.compile(rf"[.?!]\s+{_U}")
_LIST_END = re.compile(r"\s*(?:[.:]\s|\(|,?\s*et\.?\s*al)")

# ":," too: "Inglehart J:, Tønnesen HB:, ABEL TE: Title" (each name closed by a colon, then a comma)
# and a spaced dash: "DIEPVENS, D. G. – YAMAKURA, L." (ISO 690 as Czech and Slovak journals print it)
_SEPARATOR = re.compile(r"\s*(?::(?=,))?(?:[,;]\s*(?:(?:and|&)\s+)?|\s(?:and|&)\s+|&\s*|\s[–—]\s+)")
_ET_AL = re.compile(r",?\s*(?:et\.?\s*als?\b\.?|and others\b|etal\b\.?)", re.IGNORECASE)
# What may follow a name: "et al." (group "etal") first, else a separator; one match instead of two.
_AFTER_NAME = re.compile(rf"(?P<etal>(?i:{_ET_AL.pattern}))|{_SEPARATOR.pattern}")
_EDITORS = re.compile(r"\s*\(?(?:eds?|editors?)\.?\)?(?=[\s.,:]|$)", re.IGNORECASE)


def _given(printed: str) -> str | None:
    """Initials as printed without dots or spaces ("A. J." → "AJ"); a given name keeps its spaces."""
    # The patterns start it with a capital and hold no other cased letters than _U and _L, so
    # "not isupper()" says the same as "some letter is lowercase", without a loop in Python.
    if not printed.isupper() and len(printed.replace(".", "").strip()) > 2:
        return " ".join(printed.replace(".", " ").split()) or None  # "Rebecca S." → "Rebecca S"
    return printed.replace(".", "").replace(" ", "") or None


def _match_name(text: str, pos: int, forms: tuple[re.Pattern[str], ...] = _FORMS) -> re.Match[str] | None:
    for form in forms:
        m = form.match(text, pos)
        if m:
            return m
    return None


def parse_author_block(text: str, start: int = 0) -> tuple[list[Author], bool, int]:
    """Read the author list at ``text[start:]``.

    Returns the authors, whether the list ends in *et al.*, and the offset just after the
    last name (or *et al.*), before whatever punctuation closes the list. With no name at
    the start, returns ``([], False, start)``.
    """
    authors, et_al, pos = _read_list(text, start, _FORMS)
    if _GIVEN_FIRST_HINT.match(text, start) and not _LIST_END.match(text, pos):
        # "Marinos C. Dalakas, John Barriga and Mary Lee." / "Okunaka, Wei, John Barriga, and Mary Lee.":
        # taken when the usual read stops short of a list end and this one reaches it ("Marinos C.
        # Dalakas. Title", but not "Prilusky G. FoldIndex. Bioinformatics")
        for first in _GIVEN_FIRST_FORMS:
            read, read_et_al, end = _read_list(text, start, _GIVEN_FIRST_FORMS, first)
            if (end > pos and _LIST_END.match(text, end) and len(read) >= len(authors)
                    and (len(read) >= 2 or _lone_given_first(text, read[0], end))):
                authors, et_al, pos = read, read_et_al, end
                break
    if authors:
        ed = _EDITORS.match(text, pos)
        if ed:
            pos = ed.end()
    return authors, et_al, pos


def _lone_given_first(text: str, person: Author, end: int) -> bool:
    """One name read given-first stands only as "Laura T. Hickling. Title. Journal …".

    Not "Gevins J. Correction: Title" (a title after a colon) nor "Prilusky G. FoldIndex.
    Bioinformatics. 2005" (no title would be left after the name).
    """
    return (" " in (person.given or "") and text.startswith(". ", end)
            and _SENTENCE_THEN_CAPITAL.search(text, end + 2) is not None)


def _read_list(
    text: str, start: int, forms: tuple[re.Pattern[str], ...], first: re.Pattern[str] | None = None
) -> tuple[list[Author], bool, int]:
    """People from ``start`` for as long as names and separators alternate (the first by ``first``)."""
    authors: list[Author] = []
    pos = start
    et_al = False
    m = first.match(text, pos) if first else _match_name(text, pos, forms)
    while m:
        initials_first = m.re is _INITIALS_FAMILY or m.re is _INITIALS_ONLY[0]
        if authors and initials_first and _JOURNAL_AFTER.match(text, m.end()):
            # "A. D. Becke, J. Chem. Phys. 98": "J. Chem" reads as a name, but a dotted abbreviation
            # or a volume follows it at once, which no name in a list has: the journal begins
            break
        given = m.group("given")
        cut = _journal_initial(text, m) if m.re is _FAMILY_COMMA_GIVEN and "J." in given else None
        if cut is not None:
            # "Miyasaka, T. J. Am. Chem. Soc. 2009": a "J." after the initials is the journal's
            # ("Journal"), as the dotted abbreviation after it shows; the list ends with this name
            authors.append(Author(m.group("family"), _given(text[m.start("given") : cut].strip())))
            pos = cut - 1 if text[cut - 1].isspace() else cut
            break
        authors.append(Author(m.group("family"), _given(given)))
        pos = m.end()
        sep = _AFTER_NAME.match(text, pos)
        if sep and sep.lastgroup == "etal":
            et_al = True
            pos = sep.end()
            break
        if not sep:
            if m.re is _FAMILY_INITIALS and "." in m.group("given"):
                # "Dalakas M.C. Hohlfeld R. Plotz P.H. & Miller F.W. 2003": names without commas
                spaced, end = _spaced_run(text, pos)
                authors.extend(Author(s.group("family"), _given(s.group("given"))) for s in spaced)
                pos = end if spaced else pos
                if spaced:
                    etal = _ET_AL.match(text, pos)
                    if etal:
                        et_al, pos = True, etal.end()
            break
        if (m.re is _INITIALS_FAMILY or m.re is _INITIALS_ONLY[0]) and "." in m.group("given"):
            # "J. H. Holmes, A. Lee, Should I stay…": after dotted initials first, so are the next names
            # (not "Should I" nor "A PILOT", the title in capitals)
            forms = _INITIALS_ONLY
        # A separator only counts if another name follows it; otherwise the list ended before it.
        m = _match_name(text, sep.end(), forms)
    return authors, et_al, pos


# What follows a "name" that is the start of an abbreviated journal: another dotted abbreviation
# ("J. Chem. Phys.", "J. Am. Chem. Soc.") or the volume ("J. Chem 98"), not a year ("Anari K 2008.").
_JOURNAL_AFTER = re.compile(rf"\.\s+{_U}{_L}*(?<![aeouy])\.,?\s|\.?,?\s+(?!\(?{YEAR}(?!\d))\d")
_INITIAL_J = re.compile(r"(?<=\.)\s?(J)\.")
_JOURNAL_AFTER_J = re.compile(rf"\s+{_U}{_L}+(?<![aeouy])\.\s+{_U}")


def _journal_initial(text: str, m: re.Match[str]) -> int | None:
    """Where a "J." among a name's initials opens the journal (``T. J. Am. Chem. Soc.``), if one does."""
    start = m.start("given")
    for j in _INITIAL_J.finditer(m.group("given")):
        if _JOURNAL_AFTER_J.match(text, start + j.end()):
            return start + j.start(1)
    return None
_SPACE_SEPARATOR = re.compile(r"\s+(?:(?:and|&)\s+)?|\s*&\s*")
# What closes a list of names printed without commas: a year, a bracket, "et al".
_SPACED_LIST_END = re.compile(rf"\s*(?:\(?{YEAR}(?!\d)|\(|,?\s*et\.?\s*al)")


def _spaced_run(text: str, pos: int) -> tuple[list[re.Match[str]], int]:
    """More ``Family I.I.`` names after ``pos`` set apart by spaces alone (or ``&``).

    Taken only as a whole and only when a year (or ``(``, *et al.*) closes the run:
    ``Smith J. Vitamin D. Lancet`` reads "Vitamin D." as a name, and is refused by what follows.
    """
    names: list[re.Match[str]] = []
    end = pos
    while True:
        sep = _SPACE_SEPARATOR.match(text, end)
        if not sep:
            break
        m = _FAMILY_INITIALS.match(text, sep.end())
        if not m or "." not in m.group("given"):
            break
        names.append(m)
        end = m.end()
    if names and _SPACED_LIST_END.match(text, end):
        return names, end
    return [], pos


def parse_authors(text: str) -> tuple[list[Author], bool]:
    """All the people in an author string such as ``"Dalakas MC, Hohlfeld R"``."""
    authors, et_al, _ = parse_author_block(text.strip())
    return authors, et_al
