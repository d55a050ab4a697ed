"""The article's own header, as web pages print it: where it appeared, who wrote it, its identifiers.

Three layouts are read, line by line, each line by the first reader that claims it:

* PMC's current page: ``Case Rep Rheumatol. 2019 May 13;2019:4812376. doi: 10.1155/…`` (the
  journal's name is a link and may be lost in the copy: ``. 2019 May 13;…``), the title, the
  authors, ``Author information`` / ``Article notes`` / ``Copyright and License information``,
  ``PMCID: PMC6532193  PMID: 31192018`` on one line;
* PMC's older page: the breadcrumb ``Journal List > J > v.16(4) > …``, ``Published online …``,
  ``PMCID:`` and ``PMID:`` lines above the title, a byline ``Ahn, Song, and Kim: Title``;
* publisher pages: ``Volume 2019, Article ID 4812376, 5 pages``, ``https://doi.org/…``, authors in
  natural order with affiliation marks (``Hiroshi Tanaka 1, Mariko Sato 2,*``), numbered
  affiliations, ``Received …; Accepted …``, ``Keywords:``.

A line claimed as an identifier, a label, an author list or an affiliation is never the title.
"""

from __future__ import annotations

import re

from refkit.dates import YEAR, YEAR_RE
from refkit.model import Article, Author
from refkit.parse.sections import is_furniture
from refkit.text import fold_words

__all__ = ["is_keywords_line", "read_header", "read_keywords"]

_VOLUME_PART = re.compile(
    r"^(?:volume|vol|v)\.?\s*(?P<volume>[A-Z]?\d[\w-]{0,11})\s*(?:\((?P<issue>[^()]{1,20})\))?", re.IGNORECASE
)
# "J Korean Rheum Assoc. 2009 Dec;16(4):301", "Case Rep Med. 2019; 2019: 4812376.", and PMC's current
# ". 2019 May 13;2019:4812376. doi: …" where the journal's name was a link the copy lost.
_CITATION_LINE = re.compile(
    rf"^(?:(?P<journal>[A-Z][^.;:]{{2,80}}?)\.?|\.)\s+(?P<year>{YEAR})(?:\s+[A-Z][a-z]{{2}}(?:\s+\d{{1,2}})?)?\s*;"
    r"\s*(?P<volume>[\w-]{1,12})\s*(?:\((?P<issue>[^()]{1,20})\))?\s*:\s*(?P<page>[A-Za-z]?\d+)"
)
# Publisher pages: "Volume 2019, Article ID 4812376, 5 pages", "Volume 16, Issue 4, Pages 301-305"
_VOLUME_LINE = re.compile(
    r"^Volume\s+(?P<volume>\w{1,12})(?:,\s*Issue\s+(?P<issue>\w{1,12}))?,\s*"
    r"(?:Article\s+(?:ID|Number)\s+(?P<article>\w{1,20})|Pages?\s+(?P<page>[A-Za-z]?\d+))",
    re.IGNORECASE,
)
_PUBLISHED_ONLINE = re.compile(rf"^Published online\s+(?:\w+\s+)?(?P<year>{YEAR})\b", re.IGNORECASE)
# "Received 12 March 2019; Accepted 2 May 2019; Published 13 May 2019"
_PUBLISHED_IN = re.compile(
    rf"\bPublished(?: online)?:?\s+(?:\d{{1,2}}\s+)?(?:[A-Z][a-z]+\.?\s+)?(?:\d{{1,2}},?\s+)?"
    rf"(?P<year>{YEAR})\b"
)
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
_PMCID = re.compile(r"\bPMCID\s*:?\s*(?P<pmcid>PMC\d{4,9})\b", re.IGNORECASE)
_PMID = re.compile(r"\bPMID\s*:?\s*(?P<pmid>\d{1,9})\b", re.IGNORECASE)
_ID_ONLY = re.compile(r"^(?:\s*(?:PMCID|PMID|DOI|NIHMSID)\s*:?\s*\S+)+\s*$", re.IGNORECASE)
# Lines of the page's header furniture, none of them a title.
_HEADER_LABEL = re.compile(
    r"^(?:Author information|Article notes|Copyright and License information|Copyright|Disclaimer"
    r"|Received\b|Accepted\b|Revised\b|Published\b|Academic Editor|Editor:|Correspondence\b"
    r"|Corresponding author|Open Access|Free full text|Full text|Abstract\b|Citation:|Cite this|How to cite"
    r"|https?://|www\.)",
    re.IGNORECASE,
)
# Several labels on one line: "Author information Article notes Copyright and License information ►"
_LABEL_RUN = re.compile(
    r"^(?:(?:Author information|Article notes|Copyright and License information)[\s►▼▸•|]*)+$"
)
_NAME_SPLIT = re.compile(r"\s*,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*")
_BYLINE_NAME = re.compile(
    r"^(?:(?:van|von|de|der|den|del|della|di|da|du|dos|le|la|el|al|bin|ten|ter)\s+){0,3}"
    r"[^\W\d_][\w'’.-]*(?:[ -][^\W\d_][\w'’.-]*){0,2}$"
)
_LABELS = {
    "case report", "case reports", "original article", "review", "review article", "letter", "editorial",
    "brief report", "research article", "clinical image", "images in clinical medicine", "case study",
    "short communication", "correspondence", "article", "abstract", "journal list", "case presentation",
    "clinical case report", "open access", "research", "original research",
}
# Affiliation marks after a name: "Tanaka 1", "Tanaka1,2", "Sato 2,*", "Ito†", "Kim a,b"
_MARKS = r"(?:[\s,]*(?:\d{1,2}|[*†‡§¶#]|[a-h](?=[\s,]*(?:$|[*†‡§,])))){1,6}"
_MARKED_NAME = re.compile(rf"^(?P<name>.+?)\s*(?P<marks>{_MARKS})?\s*$")
_PARTICLES = frozenset([
    "van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "dos", "le", "la", "ter", "ten",
    "bin", "el", "al",
])
_NATURAL_WORD = re.compile(
    r"^(?:[A-Z][\w'’-]*\.?|[A-Z]\.(?:-?[A-Z]\.)*|(?:" + "|".join(sorted(_PARTICLES)) + r"))$"
)
# "1 Department of …", "2Division of …", "a Faculty of …", "* Correspondence: …" after the authors
_AFFILIATION = re.compile(r"^\s*(?:\d{1,2}|[a-h]|[*†‡§])\s?(?=[A-Z])(?P<text>.{10,})$")
_AFFILIATION_WORDS = re.compile(
    r"\b(?:Department|Dept|Division|University|Universit\w+|Hospital|Institute|Institut\w*|School|College"
    r"|Center|Centre|Faculty|Laboratory|Clinic|Medical|Unit|Foundation)\b",
    re.IGNORECASE,
)
_KEYWORDS = re.compile(r"^\s*(?:Key\s*words|Keywords)\s*[:.—–-]?\s*(?P<words>.+)$", re.IGNORECASE)


def read_header(article: Article, lines: list[str]) -> None:
    """Fill the article's header fields from the lines above its abstract (or its first lines)."""
    texts = [text.strip() for text in lines if text.strip()]
    claimed: set[int] = set()
    after_authors = False
    for i, text in enumerate(texts):
        if article.doi is None and "10." in text:
            doi = _DOI.search(text)
            if doi:
                article.doi = doi.group(0).rstrip(".,;)")
        if _read_ids(article, text):
            claimed.add(i)  # "PMCID: PMC6532193" is never a byline nor a title
            continue
        if _VOLUME_LINE.match(text) and article.journal is None and i > 0 and (i - 1) not in claimed:
            above = texts[i - 1]  # "Case Reports in Rheumatology" / "Volume 2019, Article ID 4812376"
            if len(above.split()) <= 12 and not above.endswith(".") and fold_words(above) not in _LABELS:
                article.journal = above
                claimed.add(i - 1)
        if article.year is None:
            published = _PUBLISHED_IN.search(text)
            if published:
                article.year = int(published.group("year"))
        if text.count(">") >= 2 and len(text) < 300 and article.journal is None:
            _read_breadcrumb(article, text)
            claimed.add(i)
        elif not article.authors and not article.title and _read_natural_authors(article, text):
            claimed.add(i)
            after_authors = True
            if i > 0 and (i - 1) not in claimed and _title_like(texts[i - 1]):
                article.title = texts[i - 1]  # the title right above its authors
        elif (
            (not article.title and ":" in text and _read_byline(article, text))
            or _read_citation_line(article, text)
            or (after_authors and _read_affiliation(article, text))
            or _ID_ONLY.match(text) or _LABEL_RUN.match(text) or _HEADER_LABEL.match(text)
            or is_furniture(text)
        ):
            claimed.add(i)
    if not article.title:
        for i, text in enumerate(texts):
            if i not in claimed and _title_like(text):
                article.title = text
                break


def read_keywords(article: Article, lines: list[str]) -> None:
    """``Keywords: polymyositis; tacrolimus`` anywhere before the references (first such line)."""
    for text in lines:
        m = _KEYWORDS.match(text) if "ey" in text[:12] or "EY" in text[:12] else None
        if m:
            sep = ";" if ";" in m.group("words") else ","
            words = [w.strip(" .") for w in m.group("words").split(sep)]
            article.keywords = [w for w in words if w]
            return


def is_keywords_line(text: str) -> bool:
    """Whether the line is a ``Keywords:`` line (it ends an abstract)."""
    return bool(_KEYWORDS.match(text))


def _title_like(text: str) -> bool:
    return (
        text.count(">") < 2
        and fold_words(text) not in _LABELS
        and not is_furniture(text)
        and len(text.split()) >= 3
        and not text.endswith(".")
        and not _DOI.search(text)
        and not _CITATION_LINE.match(text)
        and not _HEADER_LABEL.match(text)
        and not _ID_ONLY.match(text)
        and not _KEYWORDS.match(text)
    )


def _read_ids(article: Article, text: str) -> bool:
    """``PMCID: PMC6532193  PMID: 31192018`` (one line or two): the article's own identifiers."""
    if "PM" not in text and "pm" not in text:
        return False
    found = False
    m = _PMCID.search(text)
    if m:
        article.pmcid = article.pmcid or m.group("pmcid").upper()
        found = True
    m = _PMID.search(text)
    if m:
        article.pmid = article.pmid or m.group("pmid")
        found = True
    return found and bool(_ID_ONLY.match(text) or len(text) < 80)


def _read_citation_line(article: Article, text: str) -> bool:
    m = _CITATION_LINE.match(text)
    if m and article.volume in (None, m.group("volume")):
        if m.group("journal"):
            article.journal = article.journal or m.group("journal").strip()
        article.year = article.year or int(m.group("year"))
        article.volume = article.volume or m.group("volume")
        article.issue = article.issue or m.group("issue")
        article.first_page = article.first_page or m.group("page")
        return True
    m = _VOLUME_LINE.match(text)
    if m:
        article.volume = article.volume or m.group("volume")
        article.issue = article.issue or m.group("issue")
        article.first_page = article.first_page or m.group("article") or m.group("page")
        return True
    m = _PUBLISHED_ONLINE.match(text)
    if m:
        article.year = article.year or int(m.group("year"))
        return True
    return False


def _read_breadcrumb(article: Article, text: str) -> None:
    parts = [p.strip() for p in text.split(">")]
    for i, part in enumerate(parts):
        m = _VOLUME_PART.match(part)
        if not m:
            continue
        article.volume = m.group("volume")
        article.issue = m.group("issue").strip() if m.group("issue") else None
        year = YEAR_RE.search(part[m.end() :])
        if year:
            article.year = int(year.group())
        if i > 0 and fold_words(parts[i - 1]) not in _LABELS:
            article.journal = parts[i - 1]
        return
    if len(parts) > 1 and fold_words(parts[0]) == "journal list":  # no volume part: the journal still is
        article.journal = parts[1]


def _read_byline(article: Article, text: str) -> bool:
    """``Ahn, Song, Hwang, and Kim: A Case of …`` → family names and the title."""
    names, sep, title = text.partition(": ")
    if not sep or not title.strip() or len(names) > 400 or fold_words(names) in _LABELS:
        return False
    parts = [p.strip() for p in _NAME_SPLIT.split(names.strip()) if p.strip()]
    authors: list[Author] = []
    for part in parts:
        if re.fullmatch(r"et\.? al\.?", part):
            continue
        if not _BYLINE_NAME.match(part) or len(part.split()) > 4:
            return False
        family, _, initials = part.rpartition(" ")
        if family and re.fullmatch(r"[A-Z]{1,3}", initials):  # "Ahn JK"
            authors.append(Author(family, initials))
        else:
            authors.append(Author(part, None))
    if not authors:
        return False
    article.authors = authors
    article.title = title.strip()
    return True


def _read_natural_authors(article: Article, text: str) -> bool:
    """``Hiroshi Tanaka 1, Mariko Sato 2,*`` / ``Hiroshi Tanaka,1 Mariko Sato,2,* and Ken Ito3``.

    Every part must be a person in natural order (given names or initials, then the family
    name, particles allowed) and the line must carry affiliation marks or name two people or
    more, so that a Title Case title (``Tacrolimus For Resistant Polymyositis``) is not read.
    """
    if len(text) > 1500 or any(c in text for c in ".:;?!") and not re.search(r"\b[A-Z]\.", text):
        return False
    # "Tanaka,1 Mariko": a mark after the comma belongs to the name before it
    text = re.sub(r",\s*((?:\d{1,2}|[*†‡§])(?:,(?:\d{1,2}|[*†‡§]))*)(?=\s|$)", r" \1,", text)
    marked = False
    authors: list[Author] = []
    for part in _NAME_SPLIT.split(text):
        part = part.strip()
        if not part or re.fullmatch(r"(?:\d{1,2}|[*†‡§])", part):
            marked = marked or bool(part)
            continue
        m = _MARKED_NAME.match(part)
        if not m:
            return False
        marked = marked or bool(m.group("marks"))
        words = re.sub(r"(?<=[A-Za-z])\d[\d,]*$", "", m.group("name")).split()  # "Tanaka1,2"
        if not 2 <= len(words) <= 5 or not all(_NATURAL_WORD.match(w) for w in words):
            return False
        if words[-1].endswith(".") or words[-1] in _PARTICLES or words[0] in _PARTICLES:
            return False
        cut = len(words) - 1
        while cut > 1 and words[cut - 1] in _PARTICLES:
            cut -= 1
        authors.append(Author(" ".join(words[cut:]), " ".join(words[:cut])))
    if not authors or not (marked or len(authors) >= 2):
        return False
    article.authors = authors
    return True


def _read_affiliation(article: Article, text: str) -> bool:
    """``1 Department of Rheumatology, … University, Tokyo, Japan`` after the author line."""
    m = _AFFILIATION.match(text)
    body = m.group("text") if m else text
    if not _AFFILIATION_WORDS.search(body) or len(body) > 400:
        return False
    if not m and not body.lstrip()[:1].isupper():
        return False
    article.affiliations.append(body.strip())
    return True
