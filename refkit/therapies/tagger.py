"""A learned chemical-mention tagger: where the rules' names are CDR chemical mentions, and where not.

The rules (:mod:`refkit.therapies.chemicals`) find names through vocabularies, and their
boundaries and their ``chemical`` verdicts are what they are: a phrase the dictionary does not
hold is missed, an everyday word it does hold is taken. A linear-chain CRF over fine tokens
(letters, digits and each punctuation mark apart, so every boundary the annotators draw is a
token boundary) labels each token B/I/O from the token's own shape, affixes, character n-grams
and word frequency, its neighbours, and the rules' own output at that token (inside a name
they found, by which rule, of which kind, whether they call it a chemical), so that it learns
when to trust the dictionary and when the shape of a word says more, as tmChem and TaggerOne
do with dictionary features. It is trained by ``scripts/train_chemical_tagger.py`` on
BioCreative V CDR *train* only (with the rules' features for each training abstract computed
with a CDR name table built without that abstract's fifth, so that the model does not learn to
trust a table that has seen the answer), and scored on CDR development and on held-out fifths
of train (``bench/score_therapies.py``). The model is loaded once, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

MODEL = Path(__file__).parent / "data" / "chemical_tagger.crf"

# Words, numbers and single marks: "ifosfamide-induced" → ifosfamide, -, induced; "Ca2+" → Ca, 2, +.
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")


@dataclass(frozen=True)
class RuleSpan:
    """What the rules said about a stretch of text: a name found, by which rule (``how``), of
    which kind, whether they count it a CDR chemical, and whether the word needed drug context."""

    start: int
    end: int
    how: str
    kind: str
    chemical: bool
    source: str = ""


Token = tuple[str, int, int]


def tokenize(text: str) -> list[Token]:
    """(token, start, end) for each fine token of ``text``."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=65536)
def _shape(token: str) -> str:
    shape = re.sub(r"[A-Z]", "X", token)
    shape = re.sub(r"[a-z]", "x", shape)
    shape = re.sub(r"\d", "d", shape)
    return re.sub(r"[^Xxd]", "o", shape)


@lru_cache(maxsize=65536)
def _short_shape(token: str) -> str:
    """The shape with runs folded: ``Ifosfamide`` → ``Xx``, ``NO`` → ``X``."""
    return re.sub(r"(.)\1+", r"\1", _shape(token))


def _zipf_bin(word: str) -> str:
    """Word frequency in general English, binned (wordfreq's Zipf scale, 2 to 6; 0 for words
    rarer than the 100,000 most common): everyday words are rarely chemicals, rare words often
    are."""
    return _frequency_bins().get(word, "0")


@cache
def _frequency_bins() -> dict[str, str]:
    from refkit.therapies.vocabulary_cache import cached_pickle, vocabulary_stamp

    return cached_pickle("frequency-bins", vocabulary_stamp(), _build_frequency_bins)


def _build_frequency_bins() -> dict[str, str]:
    """From the wordfreq package, kept in the vocabulary cache (wordfreq takes 0.3 s to load)."""
    try:
        from wordfreq import top_n_list, zipf_frequency
    except ModuleNotFoundError:  # less evidence, same features
        return {}
    return {w: str(min(int(zipf_frequency(w, "en")), 6)) for w in top_n_list("en", 100000) if w.isalpha()}


@lru_cache(maxsize=65536)
def _word_features(token: str) -> tuple[str, ...]:
    """The features a token has whatever its context (cached: the same words recur)."""
    low = token.lower()
    f = ["w=" + low, "sh=" + _short_shape(token)]
    if len(token) <= 8:
        f.append("fsh=" + _shape(token))
    if token.isalpha():
        f.append("len=" + str(min(len(token), 12)))
        for n in (2, 3, 4, 5):
            if len(low) > n:
                f.append(f"p{n}={low[:n]}")
                f.append(f"s{n}={low[-n:]}")
        if len(low) >= 5:  # character trigrams inside the word: -oxy-, -chlor-, -meth-
            f.extend({"g=" + low[i:i + 3] for i in range(1, len(low) - 3)})
        f.append("z=" + _zipf_bin(low))
        from refkit.therapies.vocabulary import looks_chemical

        if looks_chemical(low):
            f.append("chemshape")
    elif token.isdigit():
        f.append("dlen=" + str(min(len(token), 4)))
    return tuple(f)


def _chunk_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The whitespace-delimited run around a token."""
    s = start
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    e = end
    while e < len(text) and not text[e].isspace():
        e += 1
    return s, e


def token_features(text: str, tokens: Sequence[Token], rules: Sequence[RuleSpan]) -> list[list[str]]:
    """The CRF's features for every token of ``text``."""
    n = len(tokens)
    rule_at: list[RuleSpan | None] = [None] * n
    rule_tag = ["O"] * n
    ordered = sorted(rules, key=lambda r: r.start)
    j = 0
    for i, (_, start, end) in enumerate(tokens):
        while j < len(ordered) and ordered[j].end <= start:
            j += 1
        if j < len(ordered) and ordered[j].start <= start < ordered[j].end:
            r = ordered[j]
            rule_at[i] = r
            rule_tag[i] = ("B" if start == r.start else "I") + ("c" if r.chemical else "n")
        elif j < len(ordered) and start < ordered[j].start < end:
            rule_at[i] = ordered[j]
            rule_tag[i] = "P"  # a name starts inside this token (glued words)
    rule_len: dict[int, int] = {}
    for r in rule_at:
        if r is not None:
            rule_len[id(r)] = rule_len.get(id(r), 0) + 1
    abbr_at: dict[int, str] = {}
    token_at = {s: i for i, (_, s, _) in enumerate(tokens)}
    for short, kind in _short_forms(text, ordered).items():
        for m in re.finditer(r"(?<![\w\-])" + re.escape(short) + r"(?![\w])", text):
            first = token_at.get(m.start())
            if first is None:
                continue
            abbr_at[first] = "B" + kind
            k = first + 1
            while k < n and tokens[k][1] < m.end():
                abbr_at[k] = "I" + kind
                k += 1
    lows = [t.lower() for t, _, _ in tokens]
    shapes = [_short_shape(t) for t, _, _ in tokens]
    out: list[list[str]] = []
    depth = 0
    for i, (token, start, end) in enumerate(tokens):
        f = ["b", *_word_features(token)]
        cs, ce = _chunk_of(text, start, end)
        place = ("S" if cs == start and ce == end else "F" if cs == start else "L" if ce == end else "M")
        f.append("chunk=" + place)
        chunk = text[cs:ce].lower()
        if place != "S" and len(chunk) > 4:
            f.append("cs3=" + chunk.rstrip(".,;:)]")[-3:])
        if start > 0 and not text[start - 1].isspace():
            f.append("glued_left=" + text[start - 1] if not text[start - 1].isalnum() else "glued_left")
        if end < len(text) and not text[end].isspace():
            f.append("glued_right=" + text[end] if not text[end].isalnum() else "glued_right")
        if token in "([":
            depth += 1
        elif token in ")]":
            depth = max(0, depth - 1)
        if depth:
            f.append("inparen")
        if i in abbr_at:
            f.append("abbr=" + abbr_at[i])
        r = rule_at[i]
        f.append("r=" + rule_tag[i])
        if r is not None:
            f.append("rhow=" + r.how)
            f.append("rkind=" + r.kind + ("c" if r.chemical else "n"))
            if r.source:
                f.append("rsrc=" + r.source)
            if start == r.start:
                f.append("rstart")
            if end == r.end:
                f.append("rend")
            f.append("rlen=" + str(min(rule_len[id(r)], 6)))
        for d in (-2, -1, 1, 2):
            k = i + d
            if 0 <= k < n:
                f.append(f"{d}:w={lows[k]}")
                f.append(f"{d}:r={rule_tag[k]}")
                if abs(d) == 1:
                    f.append(f"{d}:sh={shapes[k]}")
            else:
                f.append(f"{d}:edge")
        if i > 0:
            f.append(f"bi={lows[i - 1]}|{lows[i]}")
        if i + 1 < n:
            f.append(f"bi+={lows[i]}|{lows[i + 1]}")
        out.append(f)
    return out


def _short_forms(text: str, rules: Sequence[RuleSpan]) -> dict[str, str]:
    """Short forms the text defines right after a name the rules found (Schwartz & Hearst, as
    :mod:`refkit.therapies.abbreviations` reads them: ``dexamethasone (dex)``,
    ``17beta-estradiol (E2)``, ``diethylnitrosamine (DEN: 10 mg/kg)``), each with whether that
    name was a chemical (``c``) or not (``n``) and whether the letters spell it (``l``) or not
    (``x``); the feature is set at every occurrence of the short form."""
    from refkit.therapies.abbreviations import letters_in_order, short_form_after

    out: dict[str, str] = {}
    for r in rules:
        m = short_form_after(text, r.end)
        if m is None:
            continue
        short, long = m.group(1), text[r.start:r.end]
        if short.isdigit() or len(short) >= r.end - r.start:
            continue
        letters = short[:1].casefold() == long[:1].casefold() and letters_in_order(short, long)
        out[short] = ("c" if r.chemical else "n") + ("l" if letters else "x")
    return out


def spans_from_labels(tokens: Sequence[Token], labels: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of the B/I runs (an I without a B opens a span)."""
    spans: list[tuple[int, int]] = []
    current: list[int] | None = None
    for (_, start, end), label in zip(tokens, labels, strict=True):
        if label == "B" or (label == "I" and current is None):
            if current is not None:
                spans.append((current[0], current[1]))
            current = [start, end]
        elif label == "I" and current is not None:
            current[1] = end
        else:
            if current is not None:
                spans.append((current[0], current[1]))
            current = None
    if current is not None:
        spans.append((current[0], current[1]))
    return spans


def labels_from_spans(tokens: Sequence[Token], spans: Sequence[tuple[int, int]]) -> list[str]:
    """B/I/O for each token from gold character spans (training)."""
    labels = []
    for _, start, _ in tokens:
        label = "O"
        for s, e in spans:
            if s <= start < e:
                label = "B" if start == s else "I"
                break
        labels.append(label)
    return labels


@cache
def _tagger(path: Path) -> Any:
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def available(model: Path = MODEL) -> bool:
    return model.is_file()


def chemical_spans(text: str, rules: Sequence[RuleSpan], model: Path = MODEL) -> list[tuple[int, int]]:
    """The CDR chemical mentions of ``text`` as the model labels them, given the rules' output,
    with the short forms the text defines for them, one reading per name and document."""
    tokens = tokenize(text)
    if not tokens:
        return []
    labels = _tagger(model).tag(token_features(text, tokens, rules))
    spans = spans_from_labels(tokens, labels)
    return consistent(text, tokens, spans + defined_short_forms(text, spans))


def defined_short_forms(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every occurrence of a short form the text defines for a tagged name (Schwartz & Hearst:
    ``grape seed proanthocyanidin extract (GSPE)``, ``dexamethasone (dex)``, ``testosterone
    (T)``): the abbreviation names what its long form names, wherever it stands in the document."""
    from refkit.therapies.abbreviations import is_initial, letters_in_order, short_form_after

    shorts: set[str] = set()
    for s, e in spans:
        m = short_form_after(text, e)
        if m is None:
            continue
        short, long = m.group(1).rstrip("-'"), text[s:e]
        if is_initial(short, long):
            shorts.add(short)
            continue
        if short.isdigit() or len(short) < 2 or len(short) >= len(long) \
                or short.casefold() == long.casefold():
            continue
        closed = m.group("closed") is not None
        if closed and (short[:1].casefold() == long[:1].casefold() and letters_in_order(short, long)
                       or sum(c.isupper() for c in short) >= 2):
            shorts.add(short)
        elif not closed and letters_in_order(short, long):
            # a bracket going on after its first token (``AIDA; 0.5-15 microg``): the letters
            # must spell the long form, whose locants may come first (``1-aminoindan-…``)
            shorts.add(short)
    found: list[tuple[int, int]] = []
    for short in shorts:
        # a hyphen may follow (dex-treated: the annotators mark the short form in it)
        for m in re.finditer(r"(?<![\w\-])" + re.escape(short) + r"(?!\w)", text):
            found.append((m.start(), m.end()))
    return found


def consistent(text: str, tokens: Sequence[Token], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One reading per name and document: a string labelled a mention in at least half of its
    occurrences (as whole tokens) is one in all of them, and in none otherwise. A name's sense
    rarely changes within an abstract; the model's context does, from sentence to sentence."""
    starts = {s: i for i, (_, s, _) in enumerate(tokens)}
    ends = {e for _, _, e in tokens}
    names = {text[s:e] for s, e in spans}
    taken = set(spans)
    occurrences: dict[str, list[tuple[int, int]]] = {}
    for name in names:
        found = []
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            if at in starts and end in ends and (at == 0 or not text[at - 1].isalnum()) \
                    and (end == len(text) or not text[end].isalnum()):
                found.append((at, end))
            at = text.find(name, at + 1)
        occurrences[name] = found
    keep: set[tuple[int, int]] = set()
    for name, found in occurrences.items():
        # an occurrence inside a longer labelled name (``bupropion`` of ``bupropion HCl``) is
        # part of that mention: it neither votes against the shorter name nor is taken for it
        found = [sp for sp in found if sp in taken or not any(
            s <= sp[0] and sp[1] <= e and (s, e) != sp for s, e in taken)]
        labelled = [sp for sp in found if sp in taken]
        if found and 2 * len(labelled) < len(found):
            continue
        keep.update(found or [sp for sp in spans if text[sp[0]:sp[1]] == name])
    # a longer span wins over the shorter names inside it
    ordered = sorted(keep, key=lambda sp: (sp[0], -sp[1]))
    out: list[tuple[int, int]] = []
    for sp in ordered:
        if out and sp[0] < out[-1][1]:
            continue
        out.append(sp)
    return out
