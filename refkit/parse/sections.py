"""What each line of a pasted article is: heading, page furniture, link residue, caption, image.

Pasted web pages mix the article with the site's navigation. These classifiers work on one line
at a time with anchored, bounded patterns, so the whole segmentation stays linear in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from refkit.parse._residue import RESIDUE_PHRASES as _RESIDUE_PHRASES
from refkit.text import fold_words

MAX_LINE = 20_000  # longer lines are not prose a person pasted; they are skipped with a warning


@dataclass(frozen=True)
class Line:
    """One line of the input: its text (without the line break) and where it starts."""

    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def split_lines(text: str) -> list[Line]:
    """Lines with their offsets in ``text``; ``\\r\\n`` and ``\\r`` count as line breaks."""
    lines = []
    pos = 0
    if "\r" not in text:  # the common case: one kind of break, split without a regex
        for chunk in text.split("\n"):
            lines.append(Line(pos, chunk))
            pos += len(chunk) + 1
        return lines
    for chunk in re.split(r"(\r\n|\r|\n)", text):
        if chunk in ("\r\n", "\r", "\n"):
            pos += len(chunk)
            continue
        lines.append(Line(pos, chunk))
        pos += len(chunk)
    return lines


# --- headings ----------------------------------------------------------------------------

_HEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}|[IVX]{1,4})[.)]?\s+")
_HEADING_COUNT = re.compile(r"\s*[(\[]\s*\d{1,4}\s*[)\]]\s*:?\s*$")  # "References (27)"
_REFERENCE_HEADING = re.compile(
    r"^(?:(?:notes?|sources?|endnotes?|footnotes?)\s+(?:and|&)\s+)?"
    r"(?:cited\s+|selected\s+|key\s+|further\s+|literature\s+and\s+)?"
    r"(?:references?(?:\s+cited|\s+list)?|bibliograph(?:y|ie|ía|ia)|literature(?:\s+cited|\s+references)?"
    r"|works?\s+cited|citations?|reference\s+list|list\s+of\s+references|refer[eê]nci(?:as|a)"
    r"|r[ée]f[ée]rences(?:\s+bibliographiques)?|literatur(?:verzeichnis)?|sources?\s+cited"
    r"|bibliographic\s+references|references\s+and\s+citations|sources?|reading\s+list|further\s+reading"
    r"|cited\s+works)"
    r"(?:\s+(?:and|&)\s+(?:notes?|further\s+reading|sources?|bibliography))?$"
)
_ABSTRACT_HEADING = re.compile(r"^(?:abstract|summary|r[ée]sum[ée]|synopsis)$")
_SECTION_HEADINGS = {
    "introduction", "background", "case report", "case reports", "case presentation", "case description",
    "case", "cases", "case history", "case summary", "report of a case", "report of cases", "discussion",
    "conclusion", "conclusions", "methods", "materials and methods", "patients and methods", "results",
    "keywords", "key words", "acknowledgments", "acknowledgements", "acknowledgment", "acknowledgement",
    "main text", "clinical presentation", "treatment", "outcome", "outcome and follow up", "comment",
    "comments", "learning points", "funding", "conflict of interest", "conflicts of interest", "footnotes",
    "abbreviations", "author contributions", "ethics statement", "consent", "disclosure", "notes",
}


def heading_text(text: str) -> str | None:
    """The folded heading if ``text`` could be a heading line (short, no sentence), else None."""
    stripped = text.strip()
    if not stripped or len(stripped) > 60 or stripped.endswith((",", ";")):
        return None
    if stripped.endswith(".") and len(stripped.split()) > 3:  # a sentence, not a heading
        return None
    stripped = _HEADING_COUNT.sub("", _HEADING_NUMBER.sub("", stripped))
    return fold_words(stripped, keep="&")


def is_reference_heading(text: str) -> bool:
    folded = heading_text(text)
    return bool(folded) and bool(_REFERENCE_HEADING.match(folded))


def is_abstract_heading(text: str) -> bool:
    folded = heading_text(text)
    return bool(folded) and bool(_ABSTRACT_HEADING.match(folded))


def is_section_heading(text: str) -> bool:
    """A heading that starts a new part of the article (body sections, the reference list)."""
    folded = heading_text(text)
    if not folded:
        return False
    return folded in _SECTION_HEADINGS or bool(_REFERENCE_HEADING.match(folded))


# --- page furniture ----------------------------------------------------------------------

_FURNITURE = {
    "tools", "similar articles", "go to", "article information", "share", "cited by other articles",
    "related articles", "cited by", "article notes", "copyright", "permalink", "pdf", "print", "download",
    "download pdf", "pdf download", "citation", "cite", "favorites", "add to favorites", "add to collections",
    "links", "actions", "resources", "related information", "pubreader", "epub", "epub beta", "back to top",
    "top", "email", "save", "follow ncbi", "other formats", "formats", "full text links", "mesh terms",
    "substances", "grants and funding", "comment in", "publication types", "figures", "tables",
    "figures and tables", "supplementary material", "supplementary materials", "article metrics", "metrics",
    "views", "downloads", "altmetric", "twitter", "facebook", "linkedin", "recommend", "reprints",
    "permissions", "rights and permissions", "about this article", "export citation", "download citation",
    "journal information", "table of contents", "previous article", "next article", "close",
    "open in a separate window", "view it in a separate window", "related content", "more like this",
    "also in this issue", "advertisement", "feedback", "help", "article tools", "share this article",
    "citations", "cited by others", "similar articles in pubmed", "related citations in pubmed",
    "articles from", "follow us", "contact us", "privacy policy", "accessibility", "disclaimer", "sitemap",
    "home", "search", "menu", "sign in", "log in", "login", "register", "subscribe", "alerts",
    "get alerts", "email alerts", "article alerts", "rss", "rss feeds", "request permissions", "more",
    "show more", "show less", "view more", "expand", "collapse", "abstract view", "full text view",
    "figures view", "related articles in pubmed", "articles by", "this article", "services",
    "article navigation", "in this article", "jump to", "contents", "outline", "information",
    "author information", "article history", "publication history", "copyright and license information",
    "license", "associated data", "data availability", "data availability statement",
}
# Case-sensitive: a wrapped reference line may well start with "view" or "download".
_FURNITURE_PREFIX = re.compile(
    r"^(?:Articles from |Copyright ©|Copyright \d{4}|© ?\d{4}|Cited by \d|This article has been cited|"
    r"Similar articles|Related articles|Go to|Back to|See also|Download |View |Share on )"
)


def is_furniture(text: str) -> bool:
    """Navigation and widgets of the journal's web page (not part of any reference)."""
    stripped = text.strip()
    folded = fold_words(stripped, keep="&")
    if folded in _FURNITURE:
        return True
    return len(stripped) <= 120 and bool(_FURNITURE_PREFIX.match(stripped))


# --- link residue ------------------------------------------------------------------------

# Link labels: one list for the line classifier and the reference parser (refkit.parse._residue).
_PHRASES_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in _RESIDUE_PHRASES:  # longest first, as sorted above
    _PHRASES_BY_FIRST.setdefault(_phrase[0], []).append(_phrase)
# Words that on their own are too common in titles to strip when they trail a reference inline.
_WEAK_RESIDUE = {("abstract",), ("article",), ("doi",), ("link",), ("pdf",), ("html",), ("citation",),
                 ("google",), ("scholar",), ("epub",), ("full", "text"), ("isi",), ("ads",), ("pmc",)}
_RESIDUE_SPLIT = re.compile(r"[\s\[\]|•·,;®]+")
_HARD_SPLIT = re.compile(r"[\[\]|•·]+")
_HARD_HINT = re.compile(r"[\[\]|•·]")
# A tail of labels ends with the last word of some label: a reference whose last word is none
# of these has no inline residue, and the costly tail-by-tail search is skipped.
_LAST_WORDS = frozenset(phrase[-1] for phrase in _RESIDUE_PHRASES)
_MAX_RESIDUE = 200  # residue_words reads no text longer than this
_SEPARATORS = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "[]|•·,;®"  # as _RESIDUE_SPLIT
# The last word read backwards: matched at the start of the reversed end of a text, where a search
# for "[^…]+\Z" would retry from every position of it.
_LAST_WORD_REVERSED = re.compile(r"[^\s\[\]|•·,;®]+")


def residue_words(text: str) -> list[str] | None:
    """The link labels if ``text`` is nothing but link residue ("PubMed", "[CAS] [Google Scholar]")."""
    if len(text) > _MAX_RESIDUE:
        return None
    labels = _residue_labels(text)
    return list(labels) if labels else None


@lru_cache(maxsize=4096)  # a page repeats the same few label lines after every reference
def _residue_labels(text: str) -> tuple[str, ...] | None:
    found: list[str] = []
    # A label never runs across a bracket or a bar: "[PubMed Central] [Full Text]" are two labels.
    for group in _HARD_SPLIT.split(text) if _HARD_HINT.search(text) else (text,):
        words = [w for w in _RESIDUE_SPLIT.split(group.strip()) if w and w != "/"]
        folded = [w.casefold() for w in words]
        i = 0
        while i < len(words):
            for phrase in _PHRASES_BY_FIRST.get(folded[i], ()):
                if tuple(folded[i : i + len(phrase)]) == phrase:
                    found.append(" ".join(words[i : i + len(phrase)]))
                    i += len(phrase)
                    break
            else:
                return None
    return tuple(found) or None


def is_strong_residue(words: list[str]) -> bool:
    """Whether some label is unmistakably a link (not a word a title could end with)."""
    return any(tuple(w.casefold().split()) not in _WEAK_RESIDUE for w in words)


_BRACKET = re.compile(r"\[([^\[\]\n]{1,40})\]")


_TOKEN_START = re.compile(r"(?<!\S)\S")
_RESIDUE_SPLIT_KEEP = re.compile(r"([\s\[\]|•·,;®]+)")  # as _RESIDUE_SPLIT, separators kept
_LABEL_WORDS = frozenset(word for phrase in _RESIDUE_PHRASES for word in phrase)


def split_inline_residue(text: str, lines_from: int | None = None) -> tuple[str, list[str]]:
    """Strip the longest tail of ``text`` that is nothing but link labels; (text, labels).

    Labels are bracketed (``[PubMed] [Google Scholar]``) or plain (``PubMed | Google Scholar``).
    From ``lines_from`` on, ``text`` holds lines that were residue on their own, where any label
    counts. Inline, a tail counts only when one label is unmistakable (``PubMed``) or every label
    is bracketed and capitalised: ``[abstract]`` (a meeting abstract), ``[in Japanese]`` and a
    plain trailing ``Abstract`` stay in the reference.
    """
    if not _ends_with_label_word(text):
        return text, []
    # A tail starts at a token and is read as residue_words reads it: no longer than _MAX_RESIDUE,
    # its words those of the stretch that start inside it, parsed greedily, longest label first.
    # A word in no label fails every tail holding it, so only the run of label words that ends
    # the text is read: split once, walked back from the end, parsed from the right.
    lo = max(1, len(text) - _MAX_RESIDUE)
    pieces = _RESIDUE_SPLIT_KEEP.split(text[lo:])
    starts: list[int] = []
    words: list[str] = []
    hard_after: list[bool] = []  # whether a bracket or bar follows the word: no label runs past it
    cut = lo  # tails start at or after the end of the last word that is in no label
    at = len(text)
    for index in range(len(pieces) - 1, -1, -1):  # words at even indexes, separators between
        piece = pieces[index]
        at -= len(piece)
        if index % 2 or not piece or piece == "/":
            continue
        if piece.casefold() not in _LABEL_WORDS:
            cut = at + len(piece)
            break
        starts.append(at)
        words.append(piece)
        after = pieces[index + 1] if index + 1 < len(pieces) else ""
        hard_after.append(bool(_HARD_HINT.search(after)))
    starts.reverse()
    words.reverse()
    hard_after.reverse()
    folded = [w.casefold() for w in words]
    n = len(words)
    step = [0] * n  # length of the label read at word i (the longest that fits), 0 if none
    parses = [False] * (n + 1)  # whether words i.. read as labels to the end
    parses[n] = True
    for i in range(n - 1, -1, -1):
        for phrase in _PHRASES_BY_FIRST.get(folded[i], ()):
            if tuple(folded[i : i + len(phrase)]) == phrase and not any(hard_after[i : i + len(phrase) - 1]):
                step[i] = len(phrase)
                parses[i] = parses[i + len(phrase)]
                break
    first = 0  # the first word inside the tail
    for m in _TOKEN_START.finditer(text, cut):
        at = m.start()
        while first < n and starts[first] < at:
            first += 1
        if first == n or not parses[first]:
            continue
        tail = text[at:]
        if tail.count("[") != tail.count("]") or tail.find("]") < tail.find("["):
            continue
        labels = []
        i = first
        while i < n:
            labels.append(" ".join(words[i : i + step[i]]))
            i += step[i]
        own_lines = lines_from is not None and at >= lines_from
        if own_lines or _inline_labels(tail, labels):
            return text[:at].rstrip(), labels
    return text, []


def _ends_with_label_word(text: str) -> bool:
    """Whether the last word (as residue_words splits) could end a label: a cheap pre-check."""
    body = text.rstrip(_SEPARATORS)
    # Labels are short words: a longer last word is cut at the search start, and still no label.
    last = _LAST_WORD_REVERSED.match(body[-40:][::-1])
    if last is None or last.group() == "/":  # "/" is no word to residue_words: look further back
        for word in reversed(_RESIDUE_SPLIT.split(text[-(_MAX_RESIDUE + 1) :])):
            if word and word != "/":
                return word.casefold() in _LAST_WORDS
        return False
    return last.group()[::-1].casefold() in _LAST_WORDS


def _inline_labels(tail: str, words: list[str]) -> bool:
    groups = _BRACKET.findall(tail)
    for group in groups:
        inner = residue_words(group) or []
        if not is_strong_residue(inner) and not group.strip()[:1].isupper():
            return False
    plain = _BRACKET.sub(" ", tail)
    return is_strong_residue(words) or (bool(groups) and not residue_words(plain))


# --- captions and images -----------------------------------------------------------------

CAPTION_START = re.compile(
    r"^\s*(?P<label>(?:Supplementary\s+|Suppl\.?\s+)?(?:Fig(?:ure)?s?\.?|FIG(?:URE)?S?\.?|Table|TABLE|"
    r"Scheme|Chart|Plate|Video|Movie)\s*S?\d{1,3}[A-Za-z]?(?:\s*[.:|–—-])?)(?:\s+|$)"
)
IMAGE_FILE = re.compile(r"^\s*[\w.+~-]{1,200}\.(?:tiff?|jpe?g|png|gif|bmp|eps|svg|webp)\s*$", re.IGNORECASE)
# jkra-16-301f1.tif: <journal>-<volume>-<first page>f<figure number>; also g1 / t1 / fig1
_IMAGE_PAGE = re.compile(r"(?:^|[-_.])(\d{1,6})(?:f|g|t|fig|tab)\d{1,3}[a-z]?\.\w+\s*$", re.IGNORECASE)


def image_first_page(name: str) -> str | None:
    """The article's first page as an image file name carries it (``jkra-16-301f1.tif`` → 301)."""
    m = _IMAGE_PAGE.search(name.strip()[-120:])
    return m.group(1).lstrip("0") or None if m else None
