"""Text folding: the one home for comparing strings across refkit.

Every stage compares text that reached it by different roads (a journal's web page, a PDF
copy, a Crossref deposit with markup, PubMed XML). The folds here are the only ones refkit
uses, so "the same title" means the same thing in the parser, the matcher, the catalog and
the exporters.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from typing import Any

# Every dash-like code point a reference may print between numbers or in a hyphenated word.
DASH_CHARS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
DASHES = dict.fromkeys(map(ord, DASH_CHARS), "-")

# Greek letters as references often spell them ("beta-cell" for "β-cell").
_GREEK_NAMES = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi",
    "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
GREEK = {ord(k): v for k, v in _GREEK_NAMES.items()} | {ord(k.upper()): v for k, v in _GREEK_NAMES.items()}

# Latin letters NFKD cannot take apart into base + accent.
_LATIN = str.maketrans({
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i", "ħ": "h", "Ħ": "H",
})

_TAG = re.compile(r"</?[a-zA-Z][\w:.-]*(?:\s[^<>]*)?>")


def strip_markup(text: str) -> str:
    """Drop inline XML/HTML tags (``<i>``, ``<jats:p>``) that deposits carry; squeeze spaces."""
    # str.split() splits on exactly what ``\s`` matches in a str pattern (Py_UNICODE_ISSPACE),
    # so the join is the squeeze and the strip at once, without a regex pass.
    return " ".join((_TAG.sub("", text) if "<" in text else text).split())


def strip_accents(text: str) -> str:
    """``Senécal`` → ``Senecal`` (NFD or NFC input alike); other characters kept."""
    if text.isascii():  # NFKD leaves ASCII as it is and it holds no combining mark
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# What fold's last step makes a space, for the ASCII range: derived from that step's own pattern,
# so the fast road below cannot drift from the general one.
_NOT_WORD = r"[^\w\s]|_"
_ASCII_NOT_WORD = bytes(32 if c < 128 and re.fullmatch(_NOT_WORD, chr(c)) else c for c in range(256))


@functools.lru_cache(maxsize=65536)
def fold(text: Any) -> str:
    """Fold for comparison: markup, entities, accents, case, dashes, Greek, punctuation, spaces.

    ``fold("Polymyositis and <i>Dermato</i>-myositis.")`` → ``"polymyositis and dermato myositis"``.
    """
    if text is None:
        return ""
    text = str(text)
    if text.isascii() and "&" not in text and "<" not in text:
        # Most of a catalog import's strings: NFKC, the dash, Greek and Latin tables and the
        # accents leave ASCII as it is, no entity or tag is there to undo, and casefold is
        # lower; what is left is the last step, as a table (the same result, a third the time:
        # tests/test_text.py compares both roads).
        # (bytes.translate: a table lookup a byte, where str.translate asks a dict a character)
        return " ".join(text.lower().encode("ascii").translate(_ASCII_NOT_WORD).decode("ascii").split())
    return _fold_general(text)


# fold without its cache, for strings an import meets once (titles): a cache of them only churns.
fold_uncached = fold.__wrapped__


def _fold_general(text: str) -> str:
    """fold's every step, for any text (``fold`` takes a shorter road for plain ASCII)."""
    text = strip_markup(html.unescape(unicodedata.normalize("NFKC", text))).translate(DASHES)
    text = text.translate(GREEK)
    text = re.sub(r"-\s*\n\s*", "", text)  # a word hyphenated at a line end
    text = strip_accents(text.translate(_LATIN)).casefold()
    text = re.sub(_NOT_WORD, " ", text)
    return " ".join(text.split())


def fold_words(text: str, keep: str = "") -> str:
    """Lower-case words only (accents kept), for labels and headings: ``"Go to: ▸"`` → ``"go to"``.

    ``keep`` names punctuation that carries meaning in the caller's labels (``&``).
    """
    pattern = rf"[^\w{re.escape(keep)}]+" if keep else r"[^\w]+"
    return " ".join(re.sub(pattern, " ", text.casefold()).split())


def fold_ascii(text: str) -> str:
    """``Senécal`` → ``Senecal``; ``Łódź`` → ``Lodz``: ASCII only, case kept (citation keys)."""
    return "".join(c for c in strip_accents(text.translate(_LATIN)) if ord(c) < 128)


def first_text(value: Any) -> str:
    """The first string of a list-or-string field (deposits give titles as lists), markup stripped."""
    if isinstance(value, list):
        value = next((v for v in value if v), "")
    return strip_markup(str(value)) if value else ""


def blank_long_lines(text: str, limit: int) -> str:
    """``text`` with every line longer than ``limit`` replaced by spaces: such a line is not prose
    a person pasted (the parser skips it, with a warning); blanking keeps every offset true."""
    if len(text) <= limit:
        return text
    return re.sub(rf"[^\n]{{{limit + 1},}}", lambda m: " " * len(m.group(0)), text)
