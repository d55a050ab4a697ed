"""Text ↔ LaTeX for BibTeX field values, so no input can break a .bib file.

bibtexparser v2 writes values as it gets them and its stock LaTeX encoder also rewrites
DOIs and URLs, so refkit encodes values itself. Every emitted command is balanced, and
literal braces become ``{\\textbraceleft}``/``{\\textbraceright}``: BibTeX and biber count
braces even after a backslash, so ``\\{`` would not protect an unbalanced title.
"""

from __future__ import annotations

import re
import unicodedata

# Characters special to LaTeX or to the .bib syntax, in both output modes.
SPECIALS = {
    "\\": "{\\textbackslash}",
    "{": "{\\textbraceleft}",
    "}": "{\\textbraceright}",
    "%": "\\%",
    "&": "\\&",
    "#": "\\#",
    "_": "\\_",
    "$": "\\$",
    "~": "{\\textasciitilde}",
    "^": "{\\textasciicircum}",
}

# Combining marks → accent commands; symbol accents go as {\'e}, letter accents as {\c c}.
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0307": ".",
    "\u0308": '"', "\u030a": "r ", "\u030b": "H ", "\u030c": "v ", "\u0306": "u ", "\u0327": "c ",
    "\u0328": "k ", "\u0323": "d ", "\u0331": "b ",
}

# Letters and symbols with no decomposition, for --ascii (classic BibTeX / pdfLaTeX).
_ASCII = {
    "ß": "{\\ss}", "æ": "{\\ae}", "Æ": "{\\AE}", "œ": "{\\oe}", "Œ": "{\\OE}", "ø": "{\\o}", "Ø": "{\\O}",
    "ł": "{\\l}", "Ł": "{\\L}", "ı": "{\\i}", "ȷ": "{\\j}",
    "–": "{\\textendash}", "—": "{\\textemdash}", "‐": "-", "‑": "-", "‒": "-", "−": "{$-$}",
    "‘": "`", "’": "'", "“": "``", "”": "''", "„": ",,", "«": "{\\guillemotleft}", "»": "{\\guillemotright}",
    "…": "{\\ldots}", "\u00a0": " ", "°": "{\\textdegree}", "±": "{$\\pm$}", "×": "{$\\times$}",
    "÷": "{$\\div$}", "≤": "{$\\leq$}", "≥": "{$\\geq$}", "≠": "{$\\neq$}", "≈": "{$\\approx$}",
    "→": "{$\\rightarrow$}", "←": "{$\\leftarrow$}", "↑": "{$\\uparrow$}", "↓": "{$\\downarrow$}",
    "′": "{$'$}", "µ": "{$\\mu$}", "∞": "{$\\infty$}", "∼": "{$\\sim$}", "©": "{\\textcopyright}",
    "®": "{\\textregistered}", "™": "{\\texttrademark}", "§": "{\\S}", "¶": "{\\P}", "†": "{\\dag}",
    "‡": "{\\ddag}", "•": "{\\textbullet}", "·": "{\\textperiodcentered}", "€": "{\\texteuro}",
    "£": "{\\pounds}", "¿": "{?`}", "¡": "{!`}", "∗": "*",
}
_GREEK = re.findall(r"\w+",
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega"
)
for _i, _name in enumerate(_GREEK):
    _lower = chr(0x3B1 + _i + (1 if _i >= 17 else 0))  # skip U+03C2, final sigma
    _ASCII[_lower] = "o" if _name == "omicron" else f"{{$\\{_name}$}}"
    _upper = _lower.upper()
    if _name in ("gamma", "delta", "theta", "lambda", "xi", "pi", "sigma", "upsilon", "phi", "psi", "omega"):
        _ASCII[_upper] = f"{{$\\{_name.capitalize()}$}}"
_ASCII["ς"] = "{$\\varsigma$}"


def _ascii_char(char: str) -> str:
    if char in _ASCII:
        return _ASCII[char]
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if len(marks) == 1 and marks in _ACCENTS and ord(base) < 128:
        return f"{{\\{_ACCENTS[marks]}{base}}}"
    folded = unicodedata.normalize("NFKD", char)
    if folded.isascii() and folded.isprintable():  # ligatures, full-width forms
        return encode_text(folded, ascii=True)
    return f"{{\\symbol{{{ord(char)}}}}}"  # keeps the character for XeLaTeX/LuaLaTeX


def encode_text(text: str, *, ascii: bool = False) -> str:
    """Escape one value: LaTeX specials always, non-ASCII too when ``ascii``."""
    out = []
    for char in text:
        if char in SPECIALS:
            out.append(SPECIALS[char])
        elif ascii and ord(char) > 127:
            out.append(_ascii_char(unicodedata.normalize("NFC", char)))
        else:
            out.append(char)
    return "".join(out)


def encode_verbatim(value: str, *, ascii: bool = False) -> str:
    """DOIs and URLs stay as they are, except what could unbalance the file (percent-encoded)."""
    out = []
    for char in value:
        if char in "{}\\" or char.isspace() or (ascii and ord(char) > 127):
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)


# Decoding: the exact inverse of the tables above (used to read refkit's own files back).
_DECODE = {v: k for k, v in SPECIALS.items()}
_DECODE.update({v: k for k, v in _ASCII.items() if v.startswith(("{", "\\"))})


def _decode_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if token in _DECODE:
        return _DECODE[token]
    accent = re.fullmatch(r"\{\\([`'^~=.\"]|[rHvuckdb] )([A-Za-z])\}", token)
    if accent:
        marks = {v: k for k, v in _ACCENTS.items()}
        return unicodedata.normalize("NFC", accent.group(2) + marks[accent.group(1)])
    symbol = re.fullmatch(r"\{\\symbol\{(\d+)\}\}", token)
    if symbol:
        return chr(int(symbol.group(1)))
    return token


_TOKEN = re.compile(
    r"\{\\symbol\{\d+\}\}|\{\\(?:[`'^~=.\"]|[rHvuckdb] )[A-Za-z]\}|\{\$[^${}]*\$\}|\{\\[A-Za-z]+\}|"
    r"\{[?!]`\}|\\[%&#_$]"
)


def decode_text(value: str) -> str:
    """Undo ``encode_text`` and drop the braces that protect words from case changes."""
    pieces = []
    last = 0
    for match in _TOKEN.finditer(value):
        pieces.append(value[last:match.start()].replace("{", "").replace("}", ""))
        pieces.append(_decode_token(match))
        last = match.end()
    pieces.append(value[last:].replace("{", "").replace("}", ""))
    return "".join(pieces)
