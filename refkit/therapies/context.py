"""The sentence around a mention: drug context, and what the case did with the drug.

Two questions, both read from the words around a name and nothing else:

- **drug context** (:func:`has_drug_context`): does the text treat the name as a drug — a dose
  or route beside it, ``treated with`` / ``received`` before it, ``therapy`` / ``-induced`` /
  ``overdose`` after it? An everyday English word that names a drug only as a brand (Headline,
  Milestone) counts only with such context.
- **status** (:func:`status_of`), in the manner of NegEx / ConText (Chapman et al.): trigger
  phrases before a name open a scope that runs forward to the end of the clause, trigger
  phrases after it look back; a scope ends at a termination word (``but``, ``however``,
  ``although``, ``;``) or at another clause's verb. The statuses: ``given``, ``not-given``,
  ``stopped``, ``switched`` (the drug left for another), ``planned``, ``allergic``
  (allergy or contraindication), ``history`` (before this presentation) and ``mentioned``
  (named, nothing said of its use: discussion, keywords, headings, references).

Lines that are no narrative — a ``Keywords:`` line, a heading — are found by
:func:`non_narrative_lines`; their mentions are ``mentioned`` and carry no citation context.
"""

from __future__ import annotations

import re

_Span = tuple[int, int]

STATUSES = ("given", "not-given", "stopped", "switched", "planned", "allergic", "history", "mentioned")
# Given in the case: administered, whatever happened later.
ADMINISTERED = frozenset({"given", "stopped", "switched"})

# --- sentences and clauses --------------------------------------------------------------------

# a full stop that ends a sentence: not after an initial, "et al", "Fig", "vs", "No", "Dr"
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\bet al)(?<!\bFig)(?<!\bvs)(?<!\bNo)(?<!\bDr)"
                           r"[.!?](?=\s+[A-Z(\[]|\s*$)|\n\s*\n")
_TERMINATION = re.compile(r"\b(?:but|however|although|though|whereas|except|yet|while|which|who)\b|;", re.I)
# A bare negation ("no", "not", "never", "without") negates the next few words only: NegEx's
# published scope of five words (Chapman et al. 2001), not a value fitted here.
NEGEX_WINDOW = 5
_BARE_NEGATION = re.compile(r"no|not|never|without", re.I)
_BARE_NEGATION_WORD = re.compile(r"\b(?:no|not|never|without)\b", re.I)
_VERB = re.compile(r"\b(?:was|were|is|are|has been|had been|have been|will be)\b", re.I)


def sentence_span(text: str, start: int, end: int) -> _Span:
    """The sentence holding ``text[start:end]`` (bounded by sentence ends, blank lines and
    line starts that begin a heading-like line)."""
    left = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 600), start):
        left = m.end()
    right_m = _SENTENCE_END.search(text, end, min(len(text), end + 600))
    right = right_m.end() if right_m else min(len(text), end + 600)
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return max(left, line_start if _is_heading(text[line_start:line_end]) else left), right


# --- drug context ---------------------------------------------------------------------------

_DOSE_NEAR = re.compile(r"^\W{0,3}(?:\(\s*)?\d+(?:[.,]\d+)?\s*"
                        r"(?:mg|g|µg|μg|mcg|ug|ng|IU|U|units?|mL|ml|mmol|mEq)(?![A-Za-z])", re.I)
_CUE_BEFORE = re.compile(
    r"\b(?:treat(?:ed|ment|ing)?\s+with|therapy\s+with|received|receiving|given|administ(?:ered|ration\s+of)"
    r"|doses?\s+of|injections?\s+of|infusions?\s+of|took|taking|prescribed|start(?:ed|ing)\s+on"
    r"|(?:intravenous|oral|topical|subcutaneous|intramuscular|inhaled)(?:ly)?|exposure\s+to|overdose\s+of"
    r"|mg\s+of|switched\s+to|combined\s+with|plus)\s+(?:\w+\s+){0,2}$", re.I)
_CUE_AFTER = re.compile(
    r"^(?:-(?:induced|treated|associated|related)\b|\s+(?:therapy|treatment|tablets?|capsules?|injections?"
    r"|infusions?|overdose|toxicity|poisoning|intoxication|administration|dose|doses|dosage|use|abuse|"
    r"was\s+(?:given|administered|started|prescribed)|were\s+(?:given|administered)|"
    r"(?:intravenously|orally|subcutaneously)|i\.?v\.?|p\.?o\.?)\b)", re.I)


def has_drug_context(text: str, start: int, end: int) -> bool:
    """Whether the words around ``text[start:end]`` say it is a drug (see the module doc)."""
    after = text[end: end + 40]
    before = text[max(0, start - 60): start]
    return bool(_DOSE_NEAR.match(after) or _CUE_AFTER.match(after) or _CUE_BEFORE.search(before))


# --- status ---------------------------------------------------------------------------------

_W = r"(?:\s+\w+){0,3}?"  # a few words between a trigger and the name
# (status, trigger before the name: its scope runs forward)
_PRE = [
    ("allergic", re.compile(r"\b(?:allerg(?:y|ic|ies)|hypersensitiv(?:e|ity)|intoleran(?:t|ce)|anaphylaxis)"
                            r"\s+(?:to|of|with)\b|\bcontraindicat(?:ed|ion|ions)\b(?:\s+(?:to|for))?", re.I)),
    ("not-given", re.compile(r"\b(?:no|not|never|without|instead\s+of|rather\s+than|refused|declined|withheld"
                             r"|avoid(?:ed)?|den(?:ied|ies)|did\s+not\s+(?:receive|take|get|start)"
                             r"|was\s+not\s+(?:given|treated\s+with|started\s+on)|decided\s+against)\b",
                             re.I)),
    ("history", re.compile(r"\b(?:history\s+of|previously\s+(?:treated|received|given|on|taken)|prior"
                           r"|previous(?:ly)?|in\s+the\s+past|had\s+(?:been\s+)?(?:taken|received|used|on)"
                           r"|long[- ]term\s+use\s+of|past)\b", re.I)),
    ("planned", re.compile(r"\b(?:plan(?:ned)?\s+(?:to\s+(?:start|give|begin|use|add)|for)|will\s+(?:be\s+)?"
                           r"(?:start(?:ed)?|receive|given|begin|treated\s+with)|scheduled\s+(?:for|to)"
                           r"|to\s+be\s+started|is\s+to\s+receive|awaiting)\b", re.I)),
    ("stopped", re.compile(r"\b(?:discontinu(?:ed|ation\s+of)|stopp?(?:ed|ing)|withdr(?:awn|awal\s+of|ew)"
                           r"|cessation\s+of|ceased|tapered\s+off|held)\b", re.I)),
]
# What may stand between a name and its verb: a bracket, a dose (``Azathioprine 2 mg/kg/day was …``)
_LEAD = (r"^\W*(?:\([^()]*\)\s*)?"
         r"(?:\d[\d.,]*\s*(?:[-–]\s*\d[\d.,]*\s*)?[A-Za-zµμ%]+(?:/[A-Za-z0-9]+)*\W*){0,2}")
# (status, trigger after the name: its scope looks back)
_POST = [
    ("allergic", re.compile(r"^(?:\s*\([^()]*\))?\s*(?:allergy|hypersensitivity|intolerance)\b"
                            r"|^\W*(?:was|is|were|are)\s+(?:\w+\s+)?contraindicated\b", re.I)),
    ("not-given", re.compile(
        _LEAD + r"(?:was|were|is|are|had been|has been)\s+(?:\w+\s+){0,2}?"
        r"(?:(?:considered|discussed|proposed|suggested|recommended|offered)(?:\s+but)?\s+(?:was\s+)?"
        r"(?:not|never)\b|(?:not|never)\s+(?:\w+\s+)?(?:given|started|administered|used|prescribed|initiated"
        r"|tried|available|begun)|withheld|refused|declined|avoided|deferred)"
        r"|" + _LEAD + r"(?:could|would|should)\s+not\s+be\s+(?:given|used|started)", re.I)),
    ("stopped", re.compile(_LEAD + r"(?:was|were|had been|has been)\s+(?:\w+\s+)?"
                           r"(?:discontinued|stopped|withdrawn|ceased|tapered\s+off|held|suspended)\b",
                           re.I)),
    ("planned", re.compile(_LEAD + r"(?:is|was|are|were)\s+(?:\w+\s+)?(?:planned|scheduled)\b"
                           r"|^\W*(?:will|would)\s+be\s+(?:started|given|added|initiated|used)\b", re.I)),
    ("given", re.compile(_LEAD + r"(?:was|were|had been|has been)\s+(?:\w+\s+)?"
                         r"(?:given|started|administered|initiated|commenced|added|prescribed|continued|resumed"
                         r"|infused|injected|used)\b", re.I)),
]
_GIVEN_BEFORE = re.compile(
    r"\b(?:treat(?:ed|ment)\s+with|therapy\s+with|received|receiving|given|administered|started(?:\s+on)?"
    r"|initiated|commenced|begun\s+on|put\s+on|switched\s+to|changed\s+to|replaced\s+by|add(?:ed|ition\s+of)"
    r"|course\s+of|responded\s+to|continued|resumed|infusions?\s+of|doses?\s+of)\b", re.I)
_SWITCH = re.compile(r"\b(?:switch(?:ed|ing)?|chang(?:ed|ing)|convert(?:ed|ing)|transition(?:ed)?)\s+"
                     r"(?:\w+\s+){0,2}?from\s*$", re.I)
_REPLACED_AFTER = re.compile(r"^\W*(?:was|were)\s+(?:replaced|substituted)\s+(?:by|with)\b", re.I)


def status_of(text: str, start: int, end: int, others: list[_Span] | None = None, *,
              narrative: bool = True, administered_default: bool = False) -> str:
    """The status of the mention ``text[start:end]`` from its sentence (see the module doc).

    ``others`` are the spans of the other mentions (a scope does not reach past another
    clause's name and verb); ``narrative`` False gives ``mentioned``; when no trigger speaks,
    ``given`` if ``administered_default`` (a dose written with it, a caption of the course)
    else ``mentioned``."""
    if not narrative:
        return "mentioned"
    s, e = sentence_span(text, start, end)
    left = _clause_left(text, s, start, others or [])
    right = _clause_right(text, end, e)
    if _SWITCH.search(text[max(s, start - 40): start]):
        return "switched"  # "switched from A to B": A was left; B follows "to" and is given
    if _REPLACED_AFTER.match(right):
        return "switched"
    for status, trigger in _POST:
        if trigger.match(right):
            if status == "given" and _negated_before(left):
                return "not-given"  # "No methotrexate was given"
            return status
    for status, trigger in _PRE:
        found = list(trigger.finditer(left))
        if found and not _TERMINATION.search(left[found[-1].end():]):
            gap = left[found[-1].end():]
            if _BARE_NEGATION.fullmatch(found[-1].group()) and len(gap.split()) > NEGEX_WINDOW:
                continue  # "did not respond to conventional initial therapy with X": X is not negated
            return status
    if _GIVEN_BEFORE.search(left):
        return "given"
    return "given" if administered_default else "mentioned"


def _negated_before(left: str) -> bool:
    """A bare negation within NegEx's window before the name ("no", "without")."""
    found = list(_BARE_NEGATION_WORD.finditer(left))
    return bool(found) and len(left[found[-1].end():].split()) <= NEGEX_WINDOW and not _TERMINATION.search(
        left[found[-1].end():])


def _clause_left(text: str, s: int, start: int, others: list[_Span]) -> str:
    """The clause before the mention: from the last termination word, or from the end of the
    previous mention when a verb stands between (``A was stopped and B …``)."""
    left_start = s
    for _os, oe in others:
        if s <= oe <= start and _VERB.search(text[oe:start]) and not re.search(r"\bfrom\b", text[oe:start]):
            left_start = max(left_start, oe)
    left = text[left_start:start]
    ends = list(_TERMINATION.finditer(left))
    return left[ends[-1].end():] if ends else left


def _clause_right(text: str, end: int, e: int) -> str:
    right = text[end:e]
    m = _TERMINATION.search(right)
    # "considered but not started" keeps its "but": the trigger is read whole
    if m and m.group().casefold() == "but" and re.match(r"\W*(?:was|were|is|are)\s+(?:\w+\s+)?"
                                                        r"(?:considered|discussed|proposed|suggested|recommended"
                                                        r"|offered)\s*$", right[: m.start()], re.I):
        m = _TERMINATION.search(right, m.end())
    return right[: m.start()] if m else right


# --- lines that are no narrative ------------------------------------------------------------

_KEYWORDS = re.compile(r"^[ \t]*(?:key\s*-?\s*words?|index\s+terms|mesh\s+terms|abbreviations)\s*[:：.\-–]",
                       re.I | re.M)


def _is_heading(line: str, max_words: int = 6) -> bool:
    """A short line with no sentence in it: a title-case or numbered heading (``Treatment``,
    ``2. Case report``, ``DISCUSSION``)."""
    words = line.split()
    inner = r"[.;]\s+\S" if max_words > 6 else r"[.;,:]\s*\S"  # a title may have a colon and commas
    return (0 < len(words) <= max_words and not re.search(inner + r"|[.!?;,]$", line.strip())
            and not re.search(r"\d\s*(?:mg|g|ml)\b", line, re.I))


def non_narrative_lines(text: str) -> list[_Span]:
    """Spans of ``Keywords:``-like lines and heading lines (short, no sentence), which name
    things without saying anything of a case."""
    spans: list[_Span] = []
    for m in _KEYWORDS.finditer(text):
        line_end = text.find("\n", m.start())
        spans.append((m.start(), len(text) if line_end < 0 else line_end))
    lines = text.split("\n")
    pos = 0
    for i, line in enumerate(lines):
        before = lines[i - 1] if i else ""
        after = lines[i + 1] if i + 1 < len(lines) else ""
        # a heading stands apart: a blank line on one side, or a paragraph right after it; a
        # title (up to 25 words, no sentence) with blank lines on both sides
        alone = not before.strip() and not after.strip()
        if (_is_heading(line) and (not before.strip() or not after.strip() or len(after.split()) > 6)
                or alone and _is_heading(line, 25)):
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans
