"""The middle of a reference: title, then journal (or a chapter's book).

The title ends at the last sentence boundary that is not inside the journal's dotted
abbreviation (``Title. J. Biol. Chem.``, ``Title? Photochem. Photobiol.``), keeps its ``?``,
and comes out of quotes in styles that quote it (``"Title," Neuroimage``).
"""

from __future__ import annotations

import re

from refkit.parse.names import UPPER

# Sentence ends; also a period run into the next word by PDF extraction ("disease.Blood").
# A dash run into the last word and followed by a space ("Vasospasm– Neurosurgery") ends the title too;
# a dash between spaces ("Tacrolimus – a review") is the title's own.
# Every branch opens with its character and looks behind only after it, so a search skips ahead to
# the stops, quotes and dashes instead of trying each position.
BOUNDARY = re.compile(
    r"[.?!](?=[\s\"”’]|$)|[\"”](?=\s)|\.(?<=[a-z]{3}\.)(?=[A-Z][a-z]{2})|[–—](?<=\w[–—])(?=\s)"
)
# A quoted title closes with its comma or period inside or right after the quote: "Title," Journal
_QUOTED = re.compile(
    r"^(?:[\"“](?P<title>[^\"”]{3,}?)(?:[,.][\"”]|[\"”][,.])\s*"
    # Harvard: 'Title', Journal — an apostrophe inside the title ("Parkinson's") is not followed by ",."
    r"|['‘](?P<single>.{3,}?)(?:[,.]['’]|['’][,.])\s+"
    # French « Titre », German „Titel“ and ‹ › : quotes that open and close differently, so the
    # title ends at the closing one, whatever follows it
    r"|«\s*(?P<guillemets>[^»]{3,}?)\s*»[,.]?\s*|„(?P<low>[^“”]{3,}?)[“”][,.]?\s*|‹\s*(?P<angle>[^›]{3,}?)\s*›[,.]?\s*)"
)
# A word that can sit inside a journal abbreviation: "Biol", "Ecol.-Prog", "U.S.A" (letters only).
_ABBREV_WORD = re.compile(rf"^[{UPPER}](?:[^\W\d_]|[-'’.])*$")
_TITLE_TRIM = " \t.,;:"
_QUOTES = "\"“”„«»‹› "
# Small words a dotted journal name may hold undotted: "J. of Neurosci.", "Proc. of the IEEE".
_JOURNAL_FUNCTION_WORDS = frozenset(
    ["of", "and", "the", "&", "in", "on", "for", "de", "des", "der", "und", "la"]
)
_HONORIFICS = frozenset(["Dr", "Drs", "Mr", "Mrs", "Ms", "Prof"])
# A chapter: "Title. In: Smith J (ed) Book. Publisher", "Title. In Book. Edited by Doe J."
_IN_BOOK = re.compile(r"(?<=[.?!])\s+In:?\s+(?=[A-Z\d])")
_EDITORS_BEFORE_BOOK = re.compile(r"^[^()]{0,200}?\((?:eds?|Hrsg|editors?)\.?\)[.,:]?\s*", re.IGNORECASE)


def first_sentence(text: str) -> str:
    """The text up to its first sentence end (a final ``?`` or ``!`` kept)."""
    m = BOUNDARY.search(text)
    end = m.start() if m else len(text)
    keep = text[end] if m and text[end] in "?!" else ""
    return (text[:end].strip(_TITLE_TRIM) + keep).strip()


def _follows_abbreviation(body: str, word_start: int) -> bool:
    """Whether the dotted word at ``word_start`` continues a journal abbreviation.

    It does when a sentence end comes before it, directly or across up to two undotted
    capitalised words (``Res. B Appl.``, ``Drug Discov. Today Dis.``, ``title. PLoS Comput.``,
    ``colorful? Photochem.``), or when a small word follows an abbreviation (``J. of Neurosci.``).
    It does not in ``fragile X.`` or ``Hepatitis B.`` (no dot before).
    """
    end = word_start - 1  # the space before the word
    for _ in range(3):
        if end <= 0:
            return False
        if body[end - 1] in ".?!":
            # "… by Dr. Smith. Lancet": a name after an honorific, which no journal abbreviation holds
            return body[body.rfind(" ", 0, end - 1) + 1 : end - 1] not in _HONORIFICS
        start = body.rfind(" ", 0, end) + 1
        word = body[start:end]
        if word in _JOURNAL_FUNCTION_WORDS:
            # "J. of Neurosci.": a small word continues the chain only right after an abbreviation
            before = body.rfind(" ", 0, start - 1) + 1
            return body[start - 2 : start - 1] == "." and bool(_ABBREV_WORD.match(body[before : start - 2]))
        if not word or not word[0].isupper() or not word.replace("-", "").isalpha():
            return False
        end = start - 1
    return False


def split_title_journal(middle: str) -> tuple[str, str]:
    """Split "Title. Journal" at the last sentence boundary outside the journal's abbreviations."""
    chapter = _IN_BOOK.search(middle) if "In" in middle else None
    if chapter:
        book = _EDITORS_BEFORE_BOOK.sub("", middle[chapter.end() :], count=1)
        # 'Dalakas, M.: „Title“. In: Lancet': a quoted title before "In:" comes out of its quotes
        return middle[: chapter.start()].strip(_TITLE_TRIM).strip(_QUOTES), first_sentence(book)
    quoted = _QUOTED.match(middle)
    if quoted:
        title = next(t for t in quoted.groups() if t)
        return title.strip(_TITLE_TRIM), _journal(middle[quoted.end() :])
    body = middle.rstrip(" .,;:")
    comma = _comma_split(body)
    if comma:
        title, journal = comma
        closed = middle.rstrip(" ,;:").endswith(".")
        if closed and not journal.endswith(".") and _dotted_abbreviation(journal):
            journal += "."  # "…, Math. Comp.": the last dot is the abbreviation's
        return title, journal
    cut = None
    skipped: list[int] = []
    for m in reversed(list(BOUNDARY.finditer(body))):
        i = m.start()
        if body[i] in "?!":
            cut = i
            break
        if body[i] in '"”':
            cut = i
            break
        word_start = body.rfind(" ", 0, i) + 1
        word = body[word_start:i]
        if _ABBREV_WORD.match(word) and _follows_abbreviation(body, word_start):
            skipped.append(i)
            continue  # "J. Biol. Chem.": a dot inside the journal abbreviation
        cut = i
        break
    if cut is None:
        return _split_unpunctuated(body.strip(_TITLE_TRIM))
    if skipped and body[cut + 1 : cut + 3].strip()[:1].islower():
        # No journal starts in lowercase: "… in the U.K. and U.S.A. Lancet" ends its title at "U.S.A."
        later = [i for i in skipped if body[i + 1 : i + 3].strip()[:1].isupper()]
        if later:
            cut = later[-1]
    title = body[:cut].strip(_TITLE_TRIM)
    if body[cut] in "?!":
        title += body[cut]
    return title.strip("\"“”' "), _journal(middle[cut + 1 :])


def _journal(text: str) -> str:
    journal = text.strip(_TITLE_TRIM + '"”')
    if journal.startswith("in ") and journal[3:4].isupper():
        # '"Title," in J Chromatogr B 877': the container marked by "in" (not "In Vivo", a journal)
        journal = journal[3:]
    if ". " in journal and text.rstrip(" ,;:").endswith("."):
        journal += "."  # "J. Biol. Chem.": the last dot belongs to the abbreviation
    return journal


def _split_unpunctuated(body: str) -> tuple[str, str]:
    """``Title in lower case J Infect Dis``: a title and journal with nothing printed between them.

    Journal names are capitalised word by word (``Mind & Language``, ``Prostaglandins Leukotrienes
    and Essential Fatty Acids``) and a sentence-case title is not, so the journal is the run of
    capitalised words that ends the text, after the last word of the title that is not. A text
    capitalised throughout gives no split (a Title Case title alone).
    """
    words = body.split(" ")
    i = len(words)
    if sum(len(w) > 3 and w.isupper() for w in words) >= 3:
        # "… HEMODIAFILTRATION OR HEMOFILTRATION Scand J Urol Nephrol": a title in capitals ends
        # where the words in mixed case begin
        while i > 0 and not (len(words[i - 1]) > 1 and words[i - 1].isupper()) and words[i - 1][:1].isupper():
            i -= 1
        if 0 < i < len(words) and words[i - 1].isupper():
            return " ".join(words[:i]).strip(_TITLE_TRIM), " ".join(words[i:])
        i = len(words)
    while i > 0:
        word = words[i - 1]
        capitalised = word[:1].isupper() and not any(c.isdigit() for c in word)
        if capitalised or (word in _JOURNAL_FUNCTION_WORDS and i < len(words)):
            i -= 1
        else:
            break
    while i < len(words) and words[i] in _JOURNAL_FUNCTION_WORDS:
        i += 1
    if i == 0 or i == len(words) or not (words[i - 1][:1].islower() or words[i - 1].isdigit()):
        return body, ""
    return " ".join(words[:i]).strip(_TITLE_TRIM), " ".join(words[i:])


def _journal_like(text: str) -> bool:
    """Every word capitalised, a dotted abbreviation or a small word; no digits (``J. Consult.
    Clin. Psychol.``, ``Studies in Family Planning``)."""
    words = text.split()
    return bool(words) and words[0][:1].isupper() and all(
        (w[:1].isupper() or w in _JOURNAL_FUNCTION_WORDS) and not any(c.isdigit() for c in w) for w in words
    )


def _comma_split(body: str) -> tuple[str, str] | None:
    """``Title, J. Consult. Clin. Psychol.`` (physics styles): title and journal split by a comma.

    Taken only when what follows the last comma reads as a journal name and the last sentence
    before it reads as a title (two lowercase words in a row, or all in capitals): ``Title? A
    review of it, Acta Psychiatr Scand``, ``ASSESSING AFFIRMATIVE ACTION, J Econ Lit``.
    """
    i = body.rfind(", ")
    if i <= 0:
        return None
    title, journal = body[:i], body[i + 2 :]
    if not _journal_like(journal):
        return None
    ends = [m.end() for m in BOUNDARY.finditer(title)]
    sentence = title[ends[-1] :] if ends else title
    # "Non-cooperative games, Ann. of Math.": the journal's own shape says where it starts
    chain = abbreviation_chain(journal, strict=True)
    if not (chain or _LOWER_RUN.search(sentence) or (sentence.isupper() and len(sentence.split()) >= 2)):
        return None
    if BOUNDARY.search(journal.rstrip(".")) and not (chain or _dotted_abbreviation(journal)):
        return None  # "…, Poland. J Appl Ecol": a sentence ends after the comma, the usual split holds
    return title.strip(_TITLE_TRIM), _journal(journal)


def _dotted_abbreviation(journal: str) -> bool:
    """``J. Consult. Clin. Psychol.``: three or more words, every one but the last dotted; or an
    ISO 4 abbreviation chain (``Math. Comp.``, ``Comput. Netw. ISDN Syst.``)."""
    words = journal.split()
    return (len(words) >= 3 and all(w.endswith(".") or w in _JOURNAL_FUNCTION_WORDS for w in words[:-1])) or (
        abbreviation_chain(journal, strict=True)
    )


# An ISO 4 (LTWA) abbreviated word: a capitalised word cut short and dotted, "Phys.", "Chem.,",
# "Crystallogr.,", "Sect.". LTWA cuts a word after a consonant, so a dotted word that ends in a
# vowel other than "i" ("Failure.", "Therapy.") is a full word ending a sentence, not an abbreviation.
_ISO4_DOTTED = re.compile(rf"^[{UPPER}][^\W\d_]*(?<![aeouyAEOUY])\.[,:]?$")
# Words an abbreviated journal name also holds undotted: acronyms and series letters ("ACM", "ISDN",
# "B", "A:"), short words ISO 4 leaves whole ("Acta", "Cell"), small words.
_ISO4_UNDOTTED = re.compile(rf"^(?:[{UPPER}][{UPPER}\d]{{0,5}}|[{UPPER}][^\W\d_]{{1,7}})[,:]?$")
_MAX_CHAIN_WORDS = 9
_MAX_CHAIN_CHARS = 90


def abbreviation_chain(text: str, strict: bool = False) -> bool:
    """Whether ``text`` is a whole journal name in ISO 4 abbreviation: ``Phys. Rev. B``, ``J. Chem.
    Phys.``, ``Commun. ACM``, ``Angew. Chem., Int. Ed.``, ``Acta Crystallogr., Sect. A: Found.
    Crystallogr.`` (physics, chemistry, mathematics and CS styles print it with no title before it).

    Every word is a dotted abbreviation, an acronym or short capitalised word, or a small word; and
    the name opens with a dotted abbreviation or holds two before its last word, which a short title
    in Title Case ("Heart Attack. Lancet") does not; with one dotted word, the rest are acronyms.
    ``strict``: after a title, where a sentence may
    end in the name of a place ("…, Poland. J Appl Ecol"), every word before the last is dotted, an
    acronym or a small word: a dotted style dots all its abbreviations.
    """
    if len(text) > _MAX_CHAIN_CHARS or "." not in text:
        return False
    words = text.split()
    if not words or len(words) > _MAX_CHAIN_WORDS:
        return False
    if sum(len(w) > 3 and w.isupper() for w in words) >= 2:
        return False  # "A PILOT TRIAL OF FENOBAM. Exp. Gerontol.": a title in capitals, not acronyms
    dotted = [bool(_ISO4_DOTTED.match(w)) for w in words]
    pairs = list(zip(dotted, words, strict=True))
    if not all(d or _ISO4_UNDOTTED.match(w) or w in _JOURNAL_FUNCTION_WORDS for d, w in pairs):
        return False
    if strict:
        return dotted[0] and all(
            d or w.rstrip(",:").isupper() or w in _JOURNAL_FUNCTION_WORDS for d, w in pairs[:-1]
        )
    if len(words) < 2:
        return False  # "Unexpected.": a title of one word reads the same
    if sum(dotted) == 1:  # "Commun. ACM", but not "Unexpected. Org Geochem" (a title, then a journal)
        return dotted[0] and all(w.rstrip(",:").isupper() or w in _JOURNAL_FUNCTION_WORDS for w in words[1:])
    return dotted[0] or sum(dotted[:-1]) >= 2


# A sentence-case stretch: two lowercase words in a row, not both small words ("of the" is in
# "Proceedings of the Royal Society"): a title, not a name.
_LOWER_RUN = re.compile(
    r"(?<!\S)(?!(?:of|and|the|in|on|for|de|la)\s+(?:of|and|the|in|on|for|de|la)(?!\S))[a-z][a-z-]*\s+[a-z][a-z-]*(?!\S)"
)


_MAX_JOURNAL_ALONE_WORDS = 6


def journal_alone(text: str) -> bool:
    """Whether the whole text between authors and volume reads as a journal, not a title.

    Styles without titles (RSC, ACS: ``Authors, Nephrol Dial Transplant, 2008, 23, 1569``) leave
    only the journal there. A name in capitalised words, without a sentence-case run, is taken
    as the journal; a title in Title Case of a few words would be too, so the length is bounded.
    """
    return (
        _journal_like(text)
        and not _LOWER_RUN.search(text)
        and len(text.split()) <= _MAX_JOURNAL_ALONE_WORDS
        and not text.isupper()
    )
