"""A sequence labeller for reference strings: the fallback where the rules find no field structure.

The rules (:mod:`refkit.parse.reference`) read the forms they know exactly and fast. Where they
cannot split a string (no source block, no title, no authors), a linear-chain CRF labels each
token AUTHOR, TITLE, JOURNAL, YEAR, VOLUME, ISSUE, PAGES or O from features of the token and its
neighbours (shape, case, digits, punctuation, position), as GROBID, ParsCit and AnyStyle do. It was
trained by ``scripts/train_crf.py`` on references rendered from catalog records in the 41
development styles plus the PMC strings, and is measured on styles it never saw
(``bench/score_styles.py --crf``). The model file is small and loaded once, on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from refkit.dates import YEAR_RE
from refkit.model import Reference
from refkit.pages import split_page_range

MODEL = Path(__file__).parent / "data" / "reference_crf.bin"
LABELS = ("AUTHOR", "TITLE", "JOURNAL", "YEAR", "VOLUME", "ISSUE", "PAGES", "O")

# Words, numbers and single punctuation marks; letters and digits apart ("Torlakovic1994", "e101").
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")
_MONTHS = frozenset([
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "january",
    "february", "march", "april", "june", "july", "august", "september", "october", "november", "december",
    "spring", "summer", "autumn", "fall", "winter",
])
_MARKERS = frozenset([
    "vol", "volume", "no", "issue", "pp", "p", "pages", "v", "n", "in", "et", "al", "and", "eds", "ed", "doi",
    "suppl", "pt", "part",
])


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) for every token of ``text``."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _shape(token: str) -> str:
    if token.isdigit():
        return "d4" if len(token) == 4 else f"d{min(len(token), 5)}"
    if not token[0].isalnum():
        return token
    if token.isupper():
        return "X" if len(token) == 1 else "XX"
    if token[0].isupper():
        return "Xx"
    return "x"


def token_features(tokens: list[tuple[str, int, int]], text: str) -> list[list[str]]:
    """The CRF's features for each token: itself, its shape, its neighbours, where it sits."""
    n = len(tokens)
    shapes = [_shape(t) for t, _, _ in tokens]
    lowers = [t.lower() for t, _, _ in tokens]
    length = max(len(text), 1)
    quote = False
    paren = 0
    out: list[list[str]] = []
    for i, (token, start, end) in enumerate(tokens):
        low = lowers[i]
        f = [
            "b",
            "s=" + shapes[i],
            "pos=" + str(min(9, 10 * start // length)),
            "i=" + str(min(i, 6)),
        ]
        if token.isalpha():
            f.append("w=" + low if len(low) <= 12 else "w=long")
            f.append("suf=" + low[-3:])
            if low in _MONTHS:
                f.append("month")
            if low in _MARKERS:
                f.append("marker=" + low)
        elif token.isdigit():
            if YEAR_RE.fullmatch(token):
                f.append("year")
            f.append("len=" + str(min(len(token), 5)))
        else:
            f.append("p=" + token)
        if token in "\"“”«»":
            quote = not quote if token in "\"" else token in "“«"
        if token == "(":
            paren += 1
        elif token == ")":
            paren = max(0, paren - 1)
        if quote:
            f.append("inquote")
        if paren:
            f.append("inparen")
        if end < len(text) and text[end] == " ":
            f.append("space_after")
        for k in (-2, -1, 1, 2):
            j = i + k
            if 0 <= j < n:
                f.append(f"{k}s=" + shapes[j])
                if not tokens[j][0].isalnum() or lowers[j] in _MARKERS or lowers[j] in _MONTHS:
                    f.append(f"{k}w=" + lowers[j])
            else:
                f.append(f"{k}edge")
        out.append(f)
    return out


@lru_cache(maxsize=1)
def _tagger():  # type: ignore[no-untyped-def]
    import pycrfsuite  # loaded with the model, only when the fallback is needed (a dependency)

    tagger = pycrfsuite.Tagger()
    tagger.open(str(MODEL))
    return tagger


@lru_cache(maxsize=1)
def available() -> bool:
    """Whether the shipped model (built by ``scripts/train_crf.py``) and python-crfsuite are there."""
    try:
        import pycrfsuite  # noqa: F401
    except ImportError:
        return False
    return MODEL.exists()


def label(text: str) -> list[tuple[str, int, int, str]]:
    """(token, start, end, label) for every token of ``text``."""
    tokens = tokenize(text)
    if not tokens:
        return []
    labels = _tagger().tag(token_features(tokens, text))
    return [(t, s, e, lab) for (t, s, e), lab in zip(tokens, labels, strict=True)]


def fields(text: str) -> dict[str, str]:
    """Each field's text: the first run of tokens with its label, as printed (spans kept)."""
    found: dict[str, str] = {}
    runs: list[tuple[str, int, int]] = []
    for _, start, end, lab in label(text):
        if runs and runs[-1][0] == lab:
            runs[-1] = (lab, runs[-1][1], end)
        else:
            runs.append((lab, start, end))
    for lab, start, end in runs:
        if lab != "O" and lab not in found:
            found[lab] = text[start:end]
    return found


_TRIM = " \t.,;:()[]\"“”'‘’"


def crf_reference(text: str) -> Reference:
    """A :class:`Reference` read by the CRF alone (no rules): for the fallback and for measuring."""
    from refkit.parse.names import parse_author_block
    from refkit.parse.reference import join_lines

    text = join_lines(text)
    ref = Reference(raw=text)
    found = fields(text)
    if "AUTHOR" in found:
        ref.authors, ref.et_al, _ = parse_author_block(found["AUTHOR"].strip(_TRIM[:-6]))
    ref.title = found.get("TITLE", "").strip(_TRIM) or None
    ref.journal = found.get("JOURNAL", "").strip(_TRIM) or None
    year = YEAR_RE.search(found.get("YEAR", ""))
    ref.year = int(year.group()) if year else None
    ref.volume = found.get("VOLUME", "").strip(_TRIM) or None
    ref.issue = found.get("ISSUE", "").strip(_TRIM) or None
    pages = found.get("PAGES", "").strip(_TRIM)
    if pages:
        ref.first_page, ref.last_page = split_page_range(pages)
    return ref
