"""Find drug, chemical and procedure names in plain text, with character offsets.

One pass over the text: tokens (runs of non-space characters, split at commas, slashes and
brackets that web copying glued on), then at each token the longest phrase of up to six
tokens that the vocabulary knows. Tokens it does not know get, in turn:

- hyphen parts (``ifosfamide-induced`` → ``ifosfamide``);
- a split where web copying glued two words (``forCyclosporine`` → ``Cyclosporine``);
- morphology: a known drug plus a chemical ending (``adriamycinol``), or a long systematic
  name (``N-(2-propylpentanoyl)urea``, ``3-methyladenine``);
- a near-miss spelling of a well-known drug name (``Azathioprin``), guarded: one edit, and
  the word is a truncation of the name or itself has a chemical ending.

Then abbreviations the text defines (``sodium nitroprusside (SNP)``, read by
:mod:`refkit.therapies.abbreviations`) are found everywhere, as are the clinical abbreviations
of the curated layer (``PDS``, ``MTX``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from refkit.text import DASHES
from refkit.therapies.abbreviations import long_form, pair_after, plausible_short_form, short_form_after
from refkit.therapies.context import has_drug_context
from refkit.therapies.doses import AMOUNT
from refkit.therapies.vocabulary import (
    ELEMENT_SYMBOLS,
    ENZYME,
    ION_WORDS,
    SYSTEMATIC_FRAGMENT,
    Concept,
    Vocabulary,
    drug_ner_names,
    is_common_word,
    is_formula,
    looks_chemical,
    vocabulary,
)

MAX_WORDS = 6


@dataclass
class Hit:
    """A name found in text: ``text[start:end]`` names ``concept``; ``how`` says which rule."""

    start: int
    end: int
    text: str
    concept: Concept
    how: str = "vocabulary"


@dataclass
class _Token:
    start: int
    end: int
    text: str


_OPENERS = "([{\"'\u201c\u2018*\u2217\u2020\u2021\u00a7"
_CLOSERS = ".,;:)]}\"'\u201d\u2019!?*\u2217\u2020\u2021\u00a7"


def tokens(text: str) -> list[_Token]:
    """Word tokens with offsets. Splits at ``,;/`` and unbalanced brackets inside a run
    (``day),IVIG``), but keeps locants and inner brackets of systematic names
    (``1,2-dimethyl``, ``N-(2-propylpentanoyl)urea``)."""
    out: list[_Token] = []
    for run in re.finditer(r"\S+", text):
        pieces = _split_run(run.group(), run.start())
        for start, piece in pieces:
            s, e = 0, len(piece)
            while s < e and piece[s] in _OPENERS and not _balanced_inner(piece[s:e]):
                s += 1
            while e > s and piece[e - 1] in _CLOSERS and not _closes_inner(piece[s:e]):
                e -= 1
            if re.search(r"[A-Za-z]{3}['\u2019]s$", piece[s:e]):  # clozapine's: the possessive is no part
                e -= 2
            if re.search(r"[a-z]{3}-$", piece[s:e]):  # "sirolimus- or paclitaxel-eluting": a suspended hyphen
                e -= 1
            if s < e:
                out.append(_Token(start + s, start + e, piece[s:e]))
    return out


def _split_run(run: str, offset: int) -> list[tuple[int, str]]:
    parts: list[tuple[int, str]] = []
    last = 0
    for m in re.finditer(r"[,;/]|\)(?=[A-Za-z])|§|\u00a7", run):
        before, after = run[m.start() - 1: m.start()], run[m.end(): m.end() + 1]
        if m.group() == "," and before.isdigit() and after.isdigit():
            continue  # 1,2-dimethyl
        if m.group() == "," and re.fullmatch(r"(?:^|\W)[dlDLRS]", run[max(0, m.start() - 2): m.start()]) \
                and re.match(r"[dlDLRS]-", run[m.end():]):
            continue  # d,l-amphetamine, (R,S)-: stereo descriptors
        if m.group() == ")" and "(" in run[last: m.start()]:
            continue  # N-(2-propylpentanoyl)urea
        parts.append((offset + last, run[last: m.start() + (1 if m.group() == ")" else 0)]))
        last = m.end()
    parts.append((offset + last, run[last:]))
    return [(o, p) for o, p in parts if p]


def _balanced_inner(piece: str) -> bool:
    """An opening bracket that closes inside the word (``(2-propylpentanoyl)urea``), not one
    around the whole word before punctuation (``(tacrolimus).``)."""
    body = piece.rstrip(".,;:!?")
    return piece[0] == "(" and body.count("(") == body.count(")") and not body.endswith(")")


def _closes_inner(piece: str) -> bool:
    return piece[-1] == ")" and piece.count("(") == piece.count(")") and not piece.startswith("(")


_BREAK = re.compile(r"[.,;:()\[\]]")


def find_names(text: str, vocab: Vocabulary | None = None) -> list[Hit]:
    """Every drug/chemical/procedure name in ``text``, left to right, non-overlapping."""
    vocab = vocab or vocabulary()
    toks = tokens(text)
    hits: list[Hit] = []
    i = 0
    while i < len(toks):
        hit, used = _longest_at(text, toks, i, vocab)
        if hit is None and used == 1:  # more tokens used and no hit: a phrase ruled out whole
            hit = _rescue(toks[i], vocab, text[toks[i].end: toks[i].end + 20])
        if isinstance(hit, list):
            hits.extend(hit)
        elif hit is not None:
            hits.append(hit)
        i += max(used, 1)
    hits = [h for h in hits if not _names_something_else(text, h)]
    # an everyday word that names a drug only as a brand: a drug only where the text says so
    hits = [h for h in hits if not h.concept.needs_context or has_drug_context(text, h.start, h.end)]
    hits = _with_stereo(text, hits)
    hits = _with_acids(text, hits)
    hits = _with_salts(text, hits)
    hits = _with_combinations(text, hits, vocab)
    hits = _with_regimens(text, hits)
    hits = _with_spaced_codes(text, hits, vocab)
    hits = _with_abbreviations(text, hits, vocab)
    return sorted(hits, key=lambda h: h.start)


def _with_spaced_codes(text: str, hits: list[Hit], vocab: Vocabulary) -> list[Hit]:
    """Research codes written with a space (``GR 55562``), unless the number is a year or the
    letters an everyday word (``Day 100``) or they name a protein or cell line after them, or
    the number is an amount with its unit (``PCPA 100 mg/kg``: a name and its dose)."""
    out = list(hits)
    taken = [(h.start, h.end) for h in hits]
    for m in _SPACED_CODE.finditer(text):
        letters, number = m.groups()
        if re.fullmatch(r"(?:19|20)\d\d", number) or not letters.isupper() and is_common_word(letters):
            continue
        if AMOUNT.match(text, m.start(2)):
            continue
        after = text[m.end(): m.end() + 20]
        if _PROTEIN_HEAD_AFTER.match(after) or re.match(r" cells?\b| cell line", after):
            continue
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        name = m.group()
        concept = Concept(name, "chemical", vocab.mesh_for(name), source="code")
        out.append(Hit(m.start(), m.end(), name, concept, "code"))
    return out


_STOPWORDS = {"the", "in", "of", "and", "or", "with", "to", "a", "an", "by", "for", "on", "at", "as",
              "is", "was", "were", "be", "from", "that", "this", "not", "no", "after", "than"}
def _is_stopword(word: str) -> bool:
    """A function word; a capital letter standing alone after a name is the name's variant letter
    (cyclosporin A, salvianolic acid A, vitamin A), no article."""
    return word.casefold() in _STOPWORDS and not (len(word) == 1 and word.isupper())


# Counter-ions and salt words that belong to the name before them (``gentamicin sulfate``)
_SALT_WORDS = {"sulfate", "sulphate", "hydrochloride", "chloride", "citrate", "phosphate", "maleate",
               "tartrate", "mesylate", "succinate", "acetate", "bromide", "hydrobromide", "fumarate",
               "besylate", "nitrate", "sodium", "potassium", "calcium", "dihydrochloride", "monohydrate",
               "hcl", "hbr"}
# After a surname in an author list come its initials (``Arima T,``, ``Aman, M. G.``); after
# an abbreviated journal title its volume and page (``Acta Diabetol 47:15``, ``J Morphol
# 1951, 88:49``). Brand names and UNII names collide with both.
_INITIALS_AFTER = re.compile(r"(?: [A-Z]{1,3}(?:[,:;]|$| et al)"
                             r"|,? (?:[A-Z]\. ?-?){1,3}(?:[,:;&]|$| et al|\w))")
_VOLUME_AFTER = re.compile(r"\.?,? (?:\d{4}[;,] ?)?\d+(?:\(\d+\))?:\s?\d")


def _names_something_else(text: str, hit: Hit) -> bool:
    """A cell line (A431 cells), a surname or a word of a journal title, not a drug."""
    word = hit.text
    if re.fullmatch(r"[A-Z]+-?\d+", word) and re.match(r" cells?\b| cell line", text[hit.end:]):
        return True  # A431 cells, K562 cells: cell lines share the shape of compound codes
    if not (word[:1].isupper() and word[1:].islower() and " " not in word and word.isalpha()):
        return False
    after = text[hit.end: hit.end + 30]
    return bool(_INITIALS_AFTER.match(after) or _VOLUME_AFTER.match(after)
                or re.search(r"(?:^|\s)J\.? $", text[max(0, hit.start - 3): hit.start]))


def _with_salts(text: str, hits: list[Hit]) -> list[Hit]:
    out: list[Hit] = []
    for hit in hits:
        after = re.match(r" (\w+)", text[hit.end:])
        if after and after.group(1).casefold() in _SALT_WORDS and hit.concept.kind != "class":
            hit = Hit(hit.start, hit.end + after.end(), text[hit.start: hit.end + after.end()],
                      hit.concept, hit.how)
        prev = out[-1] if out else None
        if (prev is not None and prev.text.casefold() in ION_WORDS and text[prev.end: hit.start] == " "
                and hit.concept.kind != "class"):
            out[-1] = Hit(prev.start, hit.end, text[prev.start: hit.end], hit.concept, "salt")
            continue
        if out and hit.start < out[-1].end:
            continue
        out.append(hit)
    return out


_STEREO_BEFORE = re.compile(r"(?:(?<![\w,])(?:d,l|D,L|dl|DL|[dlDLRS]|[RS],[RS])"
                            r"|\((?:[RS]|[RS],[RS]|[+\-±]|\+/-)\)|±)-$")


def _stereo_prefix(text: str, start: int) -> int:
    m = _STEREO_BEFORE.search(text, max(0, start - 8), start)
    return m.start() if m else start


def _with_stereo(text: str, hits: list[Hit]) -> list[Hit]:
    """A stereo descriptor glued before a name stays with it (``d,l-amphetamine``, ``(S)-ketamine``)."""
    out = []
    for hit in hits:
        start = _stereo_prefix(text, hit.start)
        if start < hit.start and (not out or out[-1].end <= start):
            hit = Hit(start, hit.end, text[start:hit.end], hit.concept, hit.how)
        out.append(hit)
    return out


_ACID_AFTER = re.compile(r" (acids?|esters?)\b")


def _with_acids(text: str, hits: list[Hit]) -> list[Hit]:
    """``3,4-dihydroxyphenylacetic acid``, ``gamma-aminobutyric acid``: an adjective of a chemical
    (``-ic``, ``-ous``) names the acid after it; the acid is the substance."""
    out = []
    for hit in hits:
        after = _ACID_AFTER.match(text, hit.end)
        if after and re.search(r"(?:ic|ous)$", hit.text) and hit.concept.kind != "class":
            end = after.end()
            hit = Hit(hit.start, end, text[hit.start:end], Concept(text[hit.start:end].casefold(), "chemical",
                                                                    source="morphology"), "acid")
        out.append(hit)
    return out


def _with_combinations(text: str, hits: list[Hit], vocab: Vocabulary) -> list[Hit]:
    """Two drugs joined by a hyphen are one combination product (trimethoprim-sulfamethoxazole,
    amoxicillin-clavulanic acid): one mention, named as the vocabulary names the pair
    (co-trimoxazole) or by the pair itself."""
    out: list[Hit] = []
    for hit in hits:
        prev = out[-1] if out else None
        if (prev is not None and text[prev.end: hit.start].translate(DASHES) == "-"
                and prev.concept.kind == hit.concept.kind == "drug" and prev.concept.name != hit.concept.name
                and not re.fullmatch(r"[A-Z0-9\-]+", prev.text + hit.text)):
            span = text[prev.start: hit.end]
            a, b = prev.concept.name, hit.concept.name
            concept = next((c for c in map(vocab.lookup, (span, f"{a}/{b}", f"{b}/{a}", f"{a} and {b}",
                                                          f"{b} and {a}")) if c is not None), None)
            if concept is None or concept.kind == "class":
                concept = Concept(f"{prev.concept.name}-{hit.concept.name}", "drug", source="combination",
                                  members=[prev.concept.name, hit.concept.name])
            out[-1] = Hit(prev.start, hit.end, span, concept, "combination")
            continue
        out.append(hit)
    return out


def _with_regimens(text: str, hits: list[Hit]) -> list[Hit]:
    """A list of drugs named by the initials after it is one regimen:
    ``ifosfamide, vincristine, and dactinomycin [IVA]``, ``… prednisone (CHOP)``."""
    out = list(hits)
    for i in range(len(hits)):
        for j in range(i + 1, min(i + 8, len(hits))):
            between = text[hits[j - 1].end: hits[j].start]
            if not re.fullmatch(r",? ?(and |plus |or )?|, ", between):
                break
            m = re.match(r" ?[(\[]([A-Z][A-Z0-9\-]{1,7})[)\]]", text[hits[j].end:])
            n = j - i + 1
            if m and len(m.group(1).replace("-", "")) == n and m.group(1)[0] == hits[i].text[0].upper():
                start, end = hits[i].start, hits[j].end
                regimen = Concept(text[start:end].casefold(), "chemical", source="regimen")
                members = {id(h) for h in hits[i: j + 1]}
                out = [h for h in out if id(h) not in members]
                out.append(Hit(start, end, text[start:end], regimen, "regimen"))
    return sorted(out, key=lambda h: h.start)


def _longest_at(text: str, toks: list[_Token], i: int, vocab: Vocabulary) -> tuple[Hit | None, int]:
    last = i
    while last + 1 < len(toks) and last + 1 - i < MAX_WORDS:
        gap = text[toks[last].end: toks[last + 1].start]
        if _BREAK.search(gap) or "\n" in gap or not any(c.isalnum() for c in toks[last + 1].text):
            break  # a lone dash or symbol ends the phrase
        last += 1
    for j in range(last, i - 1, -1):
        phrase = text[toks[i].start: toks[j].end]
        if j > i and (_BREAK.search(phrase) or toks[i].text.casefold() in _STOPWORDS
                      or any(_is_stopword(t.text) for t in toks[i + 1: j + 1])):
            continue
        if j == i and _is_short_word(phrase) and not vocab.is_curated(phrase):
            continue
        if j > i and vocab.is_not_chemical(phrase):
            return None, j - i + 1  # creatine kinase: an enzyme, so no creatine either
        concept = vocab.lookup(phrase)
        if concept is not None:
            return Hit(toks[i].start, toks[j].end, phrase, concept), j - i + 1
        if j > i:
            head = _before_hyphenated_words(toks[j].text)
            if head:  # "ethinyl estradiol-induced": the name of several words stays whole
                phrase = text[toks[i].start: toks[j].start + len(head)]
                concept = vocab.lookup(phrase)
                if concept is not None:
                    end = toks[i].start + len(phrase)
                    return Hit(toks[i].start, end, phrase, concept), j - i + 1
    return None, 1


def _before_hyphenated_words(token: str) -> str | None:
    """The part of ``estradiol-induced`` or ``acid-treated`` before everyday words joined by a
    hyphen, or None when no such words follow (``estradiol-norethindrone`` names two drugs)."""
    head, _, rest = token.partition("-")
    if not head or not rest or not all(w.isalpha() and is_common_word(w) for w in rest.split("-")):
        return None
    return head


def _is_short_word(word: str) -> bool:
    """Short tokens (``K``, ``MS``) are names only as abbreviations, handled apart; short
    lower-case words (``same``, ``dala``) only when the curated layer vouches for them."""
    if re.fullmatch(r"[A-Za-z]{1,2}-[A-Za-z]{1,2}", word.translate(DASHES)):
        return True  # HA–NA, Mg-K: letter pairs joined by a dash
    return len(word) < 4 or (len(word) < 5 and word.islower())


# "insulin-like growth factor", "glucagon-like peptide": proteins named after a chemical
_LIKE_PROTEIN = re.compile(r"-like$")
_PROTEIN_AFTER = re.compile(r"\s+(?:growth\s+factor|peptide|protein|receptor|domain|kinase)", re.I)


def _rescue(tok: _Token, vocab: Vocabulary, after: str = "") -> Hit | list[Hit] | None:
    word = tok.text
    if _LIKE_PROTEIN.search(word) and _PROTEIN_AFTER.match(after):
        return None
    ion = _ION.fullmatch(word)
    if ion and re.search(r"(?<!\d)-\)?$", word) and ion.group(1) not in _MONOVALENT_ANIONS:
        ion = None  # a charge of -1 only halides take ("Cl-"); "H-", "N-" are initials and prefixes
    if ion:
        element = next((n for n, sym in ELEMENT_SYMBOLS.items() if sym == ion.group(1)), None)
        if element:  # Pb2+ is lead even though the word "lead" alone is no chemical
            concept = vocab.lookup(element) or Concept(element, "chemical", source="ion")
            return Hit(tok.start, tok.end, word, concept, "ion")
    charged = _CHARGED.fullmatch(word)
    if charged and len(charged.group(1)) > 1 and (
            is_formula(charged.group(1)) or is_formula(charged.group(1) + charged.group(2))):  # HCO3-, NH4+
        return Hit(tok.start, tok.end, word, Concept(word, "chemical", source="formula"), "ion")
    if is_formula(word) and not _BLOOD_GAS.fullmatch(word) and not _INFLUENZA.fullmatch(word) \
            and not _PROTEIN_HEAD_AFTER.match(after):
        # CO2, ZnCl2: a formula names a chemical, whether or not the vocabulary lists it; one the
        # vocabulary lacks needs oxygen, hydrogen or a two-letter symbol (CBF2 is a gene)
        concept = vocab.lookup(word)
        if concept is None and re.search(r"O|H|[A-Z][a-z]", word):
            concept = Concept(word, "chemical", source="formula")
        if concept is not None:
            return Hit(tok.start, tok.end, word, concept, "formula")
    if _COMPOUND_CODE.fullmatch(word) and not _PROTEIN_HEAD_AFTER.match(after) \
            and not re.match(r" cells?\b| cell line", after):
        # a research code (NRA0160, LY274614, Ro4368554): a compound, whether or not UNII lists it
        concept = vocab.lookup(word) or Concept(word, "chemical", vocab.mesh_for(word), source="code")
        return Hit(tok.start, tok.end, word, concept, "code")
    if word in vocab.abbreviations:
        concept = vocab.lookup(vocab.abbreviations[word])
        if concept is not None:
            return Hit(tok.start, tok.end, word, concept, "abbreviation")
    subtype = re.fullmatch(r"(.{2,}?)\(([A-Z0-9]{1,3})\)", word)
    if subtype:  # GABA(A), 5-HT(1A): the chemical before a receptor subtype
        name = subtype.group(1)
        concept = vocab.lookup(vocab.abbreviations.get(name, name))
        if concept is not None:
            return Hit(tok.start, tok.start + len(name), name, concept, "subtype")
    if "-" in word:
        hit = _hyphen_part(tok, vocab)
        if hit is not None:
            return hit
    glued = re.match(r"([a-z]{2,})([A-Z][a-z]{3,}.*)$", word)
    if glued:
        rest = glued.group(2)
        concept = vocab.lookup(rest, strict=True) or vocab.lookup(rest)
        if concept is not None:
            start = tok.start + glued.start(2)
            return Hit(start, tok.end, rest, concept, "glued")
    concept = _derived(word, vocab)
    if concept is not None:
        return Hit(tok.start, tok.end, word, concept, "morphology")
    concept = _near_miss(word, vocab)
    if concept is not None:
        return Hit(tok.start, tok.end, word, concept, "fuzzy")
    return None


def _hyphen_part(tok: _Token, vocab: Vocabulary) -> list[Hit] | None:
    """``ifosfamide-induced`` → ``ifosfamide``; ``renin-angiotensin`` → ``angiotensin``:
    the longest known runs of hyphen-separated parts."""
    parts = tok.text.split("-")
    offsets = [0]
    for part in parts[:-1]:
        offsets.append(offsets[-1] + len(part) + 1)
    hits: list[Hit] = []
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            if i == 0 and j == len(parts):
                continue  # the whole token was looked up already
            piece = "-".join(parts[i:j])
            short = _is_short_word(piece) and not vocab.is_curated(piece)
            concept = vocab.lookup(piece) if parts[i] and not short else None
            if concept is not None:
                start = tok.start + offsets[i]
                hits.append(Hit(start, start + len(piece), piece, concept, "hyphen"))
                i = j - 1
                break
        i += 1
    return hits or None


def _derived(word: str, vocab: Vocabulary) -> Concept | None:
    """A chemical the vocabulary lacks, recognised by its shape."""
    w = word.casefold()
    if len(w) < 8 or not re.fullmatch(r"[\w'\u2032\-(),\[\]]+", w) or w.replace("-", "").isdigit():
        return None
    if ENZYME.search(w):  # 15-lipoxygenase, cyclooxygenase-2: enzymes, not chemicals
        return None
    # a known drug + a chemical ending: metabolites and derivatives (adriamycinol)
    m = re.match(r"(.{6,}?)(ol|one|ine|ide|ate|ic acid)$", w)
    if m and m.group(1) in drug_ner_names():
        return Concept(w, "chemical", source="morphology")
    # systematic names: locants (3-methyl…, 4'-0-…, N-(…)) or chains of IUPAC fragments
    locant = re.match(r"(\d+(,\d+)*'?|[NOSα-ω]|alpha|beta|gamma|[dlDL])-", word)
    fragments = len(SYSTEMATIC_FRAGMENT.findall(w))
    letters = sum(c.isalpha() for c in w)
    if letters >= 8 and (locant and fragments >= 1 or fragments >= 3 and len(w) >= 14):
        return Concept(w, "chemical", source="morphology")
    if len(w) >= 12 and fragments >= 2 and looks_chemical(w):
        return Concept(w, "chemical", source="morphology")
    return None


def _near_miss(word: str, vocab: Vocabulary) -> Concept | None:
    """One edit from a well-known drug name (``Azathioprin``, ``vincristin``)."""
    w = word.casefold()
    if len(w) < 7 or not w.isalpha() or vocab.is_not_chemical(word):  # peptides is no misspelt drug
        return None
    for key, name in vocab.fuzzy_candidates(w):
        close = abs(len(key) - len(w)) <= 1 and Levenshtein.distance(w, key) <= 1
        if close and (key.startswith(w) or looks_chemical(w)):
            return vocab.lookup(name, strict=True)
    return None




def _pair_between(gap: str) -> bool:
    """What may join the two names of a pair defined together: a few words (and, or, with,
    combined with, plus), within one clause."""
    return len(gap.split()) <= 3 and not re.search(r"[.;:()\[\]]", gap)


def _defines(short: str, hit: Hit, closed: bool) -> bool:
    """Whether ``hit (short)`` defines ``short``: a plausible short form of the name (a single
    letter only for a substance, not a procedure or class), or the element's symbol."""
    if len(short) == 1 and hit.concept.kind not in ("drug", "chemical"):
        return False
    return plausible_short_form(short, hit.text, closed) or ELEMENT_SYMBOLS.get(hit.text.casefold()) == short


_PAREN_SHORT = re.compile(r"[(\[]\s*([A-Za-z][A-Za-z0-9\-']{1,9})\s*[)\]]")


def _with_abbreviations(text: str, hits: list[Hit], vocab: Vocabulary) -> list[Hit]:
    """Abbreviations the text defines (Schwartz & Hearst), applied everywhere in that text.

    ``valproic acid (VPA)`` makes every ``VPA`` valproic acid, and a definition overrides the
    built-in expansion: ``cyproterone acetate (CPA)`` makes CPA cyproterone acetate here, not
    cyclophosphamide; a built-in abbreviation the text defines as something that is no
    chemical (``chronic pulmonary aspergillosis (CPA)``) names no drug in that text."""
    defined: dict[str, Concept] = {}
    for i, hit in enumerate(hits):
        pair = pair_after(text, hit.end)
        m = None if pair else short_form_after(text, hit.end)
        if m and _defines(m.group(1), hit, m.group("closed") is not None):
            defined[m.group(1)] = hit.concept
        if pair and i > 0 and _pair_between(text[hits[i - 1].end:hit.start]):
            # two names defined at once: "cyproterone acetate combined with ethinyl estradiol
            # (CPA/EE)", each short form for the name its letters fit
            first, second = hits[i - 1], hit
            if plausible_short_form(pair.group(1), first.text) \
                    and plausible_short_form(pair.group(2), second.text):
                defined.setdefault(pair.group(1), first.concept)
                defined.setdefault(pair.group(2), second.concept)
    overridden: set[str] = set()
    hit_ends = {h.end for h in hits}
    for m in _PAREN_SHORT.finditer(text):
        short = m.group(1)
        if short in defined or short not in vocab.abbreviations:
            continue
        if text[: m.start()].rstrip() and len(text[: m.start()].rstrip()) not in hit_ends \
                and long_form(text[: m.start()], short):
            overridden.add(short)  # defined here as something the vocabulary does not call a chemical
    if not defined and not overridden:
        return hits
    out = [h for h in hits if not (h.text in overridden and h.how == "vocabulary")
           and not (h.text in defined and h.how == "vocabulary" and h.concept.name != defined[h.text].name)]
    if not defined:
        return out
    taken = [(h.start, h.end) for h in out]
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, defined)) + r")(?!\w)")
    for m in pattern.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        out.append(Hit(m.start(), m.end(), m.group(), defined[m.group()], "defined-abbreviation"))
    return out


# The elements whose monatomic anion has a charge of one (group 17, the halogens); others carry a
# digit (O2-, S2-, N3-), so a bare "N-" or "O-" is a prefix.
_MONOVALENT_ANIONS = {"F", "Cl", "Br", "I"}
# Research codes of compounds: a company's letters and a serial number of three to six digits
# (NRA0160, LY274614, SSR103800, Ro4368554; with a space, GR 55562, CP 93129)
_COMPOUND_CODE = re.compile(r"[A-Z][A-Za-z]{1,3}-?\d{3,6}[A-Z]?")
_SPACED_CODE = re.compile(r"(?<![\w\-])([A-Z][A-Za-z]{1,3}) (\d{3,6})(?![\w\-]|\.\d)")
# Ions written as formulas: Ca2+, Na+, K(+), Cl-, O2-
_ION = re.compile(r"([A-Z][a-z]?)(?:\d?[+\-]|\(\d?[+\-]\))")
_INFLUENZA = re.compile(r"H\d+N\d+")  # influenza subtypes (H7N3) spell formulas
# "BH3 domains", "BKCa channels": a formula-shaped symbol before a protein word names the protein
_PROTEIN_HEAD_AFTER = re.compile(
    r"\s+(?:domains?|channels?|receptors?|genes?|proteins?|subunits?|motifs?)\b", re.I)
_CHARGED = re.compile(r"(\w+?)(\d?)(?:[+\-]|\(\d?[+\-]\))")
# Blood-gas notation spells formulas (PaO2, PaCO2, FiO2, PCO2) but names pressures and fractions
_BLOOD_GAS = re.compile(r"(?:Pa|PA|Pv|P|Fi|Pet|Pt)C?O2")
