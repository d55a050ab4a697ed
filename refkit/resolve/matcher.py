"""Field-by-field validation of a candidate record against a reference.

Each field gives a verdict (match, close, mismatch, missing) that moves a log-odds score;
the score becomes a ``confidence`` in [0, 1]. The reference is read twice: through the
fields the parser found (when it found them) and through its raw text, so a parser slip
costs evidence, not the match. Some verdicts veto a candidate outright: a notice
(correction, erratum, reply…) for a reference that is not one, or another part of a
multi-part paper.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from refkit.dates import years_in
from refkit.model import Author, Reference, Work
from refkit.resolve.confidence import features, log_odds, probability
from refkit.text import fold as normalize

# Record types that are another version of a journal paper, not the paper a volume/page citation means.
_OTHER_VERSIONS = frozenset(["posted-content", "peer-review", "component"])

_NUMBER = re.compile(r"[a-z]?\d+[a-z]?")

# Titles of notices about another work; a reference citing one of these says so itself.
# Errata are unmistakable; "Correction", "Response"… only with a colon ("Correction of a deformity"
# and "Response to treatment" are ordinary titles); "Reply to" and "Comment on" are letters.
_NOTICE = re.compile(
    r"^\s*\[?\s*(?:(errat(?:um|a)|corrigend(?:um|a))\b"
    r"|(reply to|comments? on|in reply|author(?:s|'s|s')? reply|notice of retraction)\b"
    r"|(?:publisher(?:'s)?|author(?:s|'s|s')?|editorial)?\s*(correction|retraction|expression of concern|"
    r"withdrawal|response|reply|comment|addendum)(?:\s+(?:notice|to|on|note))*\s*(?::|$))",
    re.IGNORECASE,
)
_CITED_NOTICE = re.compile(
    r"(?i)\b(?:errat(?:um|a)|corrigend(?:um|a)|retraction notice|notice of retraction|expression of concern"
    r"|reply to|in reply|author(?:s|'s|s')? reply|comment on"
    r"|(?:correction|retraction|reply|comment|response|addendum)\s*(?:to\s*)?:)"
)
# Renamed retracted works: the prefix is a flag, not part of the title.
_RETRACTED_PREFIX = re.compile(
    r"^\s*(retracted(?: article)?|withdrawn|retraction)\s*[:.\]-]\s*", re.IGNORECASE
)
_PART = re.compile(
    r"\b(?:(first|second|third|fourth|fifth)\s+of\s+(?:two|three|four|five)\s+parts?"
    r"|parts?\s+(i{1,3}|iv|v|vi{0,3}|[1-9]|one|two|three|four|five)\b)",
    re.IGNORECASE,
)
_ORDINAL = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
}
_PARTICLES = frozenset(
    [
        "de",
        "da",
        "del",
        "della",
        "der",
        "den",
        "di",
        "du",
        "la",
        "le",
        "van",
        "von",
        "vander",
        "ter",
        "ten",
        "dos",
        "das",
        "st",
        "mac",
        "mc",
    ]
)
_JOURNAL_STOP = frozenset(["of", "the", "and", "for", "in", "on", "de", "des", "la", "le", "der", "und", "&"])


@dataclass
class Validation:
    """The outcome of comparing one candidate with one reference."""

    key: str  # the candidate's identity (Work.key: doi:…, pmid:…)
    logit: float
    confidence: float
    evidence: dict[str, dict[str, Any]]
    flags: list[str] = field(default_factory=list)
    veto: str | None = None  # why the candidate cannot be the cited work, whatever its score
    work: Work | None = None  # the candidate compared
    features: dict[str, float] = field(default_factory=dict)  # what the confidence model was given

    @property
    def doi(self) -> str | None:
        return self.work.doi if self.work is not None else None

    @property
    def label(self) -> str:
        """How reasons name the candidate: its DOI, else ``PMID n``."""
        if self.work is not None and self.work.doi:
            return self.work.doi
        if self.work is not None and self.work.pmid:
            return f"PMID {self.work.pmid}"
        return self.key

    def summary(self) -> str:
        """A short account of the fields that spoke against the candidate."""
        parts = []
        for name, ev in self.evidence.items():
            if ev["verdict"] in ("mismatch", "weak", "close", "elsewhere"):
                if name == "title":
                    parts.append(f"title {ev['score']:.2f}")
                else:
                    parts.append(f"{name} {ev['cited'] or '?'}≠{ev['record']}")
        if self.veto:
            parts.insert(0, self.veto)
        return ", ".join(parts) or f"confidence {self.confidence:.2f}"


def validate_candidate(ref: Reference, work: Work) -> tuple[float, dict[str, Any], list[str]]:
    """(confidence, evidence per field, flags) for ``work`` as the work ``ref`` cites."""
    v = validate(ref, work)
    return v.confidence, v.evidence, v.flags


def validate(ref: Reference, work: Work, *, printed_doi: str | None = None,
             printed_pmid: str | None = None) -> Validation:
    """Compare ``work`` with what ``ref`` says, field by field; the verdicts give the confidence."""
    raw = normalize(ref.raw)
    evidence: dict[str, dict[str, Any]] = {}
    flags: list[str] = []
    veto = None

    record_title = work.title or ""
    prefix = _RETRACTED_PREFIX.match(record_title)
    if prefix:
        flags.append("retracted-title")
        record_title = record_title[prefix.end() :]
    notice = _notice_kind(work, record_title)
    if notice and not _cites_notice(ref, raw, notice):
        veto = f"record is a {notice} notice"
    elif not notice and (cited := _cited_notice(ref)):
        # The other way round: the reference is itself a comment, reply or erratum ("Sarwer DB:
        # Comment on: <title> (Ashton K, et al. …)"), so the work it names is not the one it cites.
        veto = f"the reference cites a {cited} about this work, not the work"

    subtitle = work.subtitle or ""
    leftover = _unexplained_words(ref, raw, work)
    evidence["title"] = _title_evidence(ref, raw, record_title, subtitle, leftover)
    for other in work.other_titles:  # a translation, or the title in its original language
        alt = _title_evidence(ref, raw, _RETRACTED_PREFIX.sub("", other, count=1), "", leftover)
        if _TITLE_RANK[alt["verdict"]] > _TITLE_RANK[evidence["title"]["verdict"]] or (
            alt["verdict"] == evidence["title"]["verdict"] and alt["score"] > evidence["title"]["score"]
        ):
            evidence["title"] = alt
    part_cited, part_record = (
        _part(ref.title or ref.raw),
        _part(record_title + " " + subtitle),
    )
    if part_cited and part_record and part_cited != part_record:
        veto = veto or f"part {part_record} of a multi-part paper, cited part {part_cited}"
    evidence["author"] = _author_evidence(ref, raw, work.authors)
    evidence["year"] = _year_evidence(ref, raw, work)
    evidence["volume"] = _number_evidence(ref.volume, raw, work.volume, ref.raw)
    evidence["issue"] = _issue_evidence(ref, work)
    evidence["page"] = _page_evidence(ref, raw, work)
    evidence["journal"] = _journal_evidence(ref, raw, work)
    if printed_doi and work.doi and printed_doi.lower() == work.doi.lower():
        evidence["doi"] = {"cited": printed_doi, "record": work.doi, "score": 1.0, "verdict": "match"}
    elif printed_pmid and work.pmid and printed_pmid == work.pmid:
        evidence["doi"] = {"cited": f"PMID {printed_pmid}", "record": f"PMID {work.pmid}", "score": 1.0,
                           "verdict": "match"}

    kind = _other_version(ref, work)
    if kind:
        evidence["type"] = {"cited": "journal-article", "record": kind, "score": 0.0, "verdict": "mismatch"}

    logit = log_odds(evidence, vetoed=bool(veto))
    x = features(evidence)
    evidence["year"].pop("off", None)  # scoring detail, not evidence to show
    for update in work.updated_by:
        kind = str(update.get("type") or "update").lower()
        flags.append({"retraction": "retracted", "correction": "corrected"}.get(kind, kind))
    confidence = probability(logit)
    return Validation(work.key, logit, confidence, evidence, sorted(set(flags)), veto, work=work, features=x)


def _other_version(ref: Reference, work: Work) -> str | None:
    """The record's type when it is a preprint (or review, component) and the citation is not to one."""
    kind = str(work.type or "").lower()
    preprint = kind in _OTHER_VERSIONS or bool(work.preprint_of)
    if not preprint:
        return None
    # A citation printing a volume or pages ("12:341", "12(3)") cites the published version.
    if ref.volume or ref.first_page or re.search(r"\d\s*[(:]\s*\d", ref.raw):
        return kind or "preprint"
    return None


# --- fields ------------------------------------------------------------------------------


def _notice_kind(work: Work, title: str) -> str | None:
    if work.update_to:
        kinds = {str(u.get("type") or "update").lower() for u in work.update_to}
        return "/".join(sorted(kinds))
    m = _NOTICE.match(title)
    if m:
        return next(g for g in m.groups() if g).lower()
    return None


# Notices come in families; a reference citing a reply is not citing an erratum.
_NOTICE_FAMILIES = (
    ("correction", ("errat", "corrig", "correction", "addend", "clarification")),
    ("retraction", ("retract", "withdraw", "concern", "removal")),
    ("comment", ("reply", "comment", "response", "letter")),
)


def notice_family(word: str) -> str:
    word = word.lower()
    return next((fam for fam, stems in _NOTICE_FAMILIES if any(st in word for st in stems)), word)


def _cites_notice(ref: Reference, raw: str, kind: str) -> bool:
    """Whether the reference itself cites a notice of the record's family ("Erratum to: …")."""
    wanted = {notice_family(k) for k in kind.split("/")}
    found = []
    if ref.title and (m := _NOTICE.match(ref.title)):
        found.append(next(g for g in m.groups() if g))
    found.extend(m.group(0) for m in _CITED_NOTICE.finditer(ref.raw))
    return any(notice_family(word) in wanted for word in found)


def _cited_notice(ref: Reference) -> str | None:
    """The notice family a reference says it is, from its own title ("Comment on: …",
    "Erratum to …", "Reply to …") or, unparsed, the words before the first title it quotes."""
    head = ref.title or ""
    m = _NOTICE.match(head) if head else None
    if m:
        return notice_family(next(g for g in m.groups() if g))
    found = _CITED_NOTICE.search(ref.raw[:120])
    if found and _NOTICE_WITH_COLON.search(found.group(0)):
        return notice_family(found.group(0))
    return None


_NOTICE_WITH_COLON = re.compile(r"(?i)\b(?:comment|reply|response|errat|corrig|correction|retraction)\w*"
                                r"\s*(?:on|to)?\s*:")


def _part(text: str) -> int | None:
    m = _PART.search(text or "")
    if not m:
        return None
    word = (m.group(1) or m.group(2) or "").lower()
    if word.isdigit():
        return int(word)
    return _ORDINAL.get(word)


# What depositors (and MEDLINE-fed deposits) add around a title: "[Review]", "[Article in French]",
# a translated title wholly in brackets. The citation rarely copies them.
_TITLE_NOTE = re.compile(
    r"\s*[\[(](?:review|article in [\w ]+|abstract|editorial|letter|case report|author'?s? transl)"
    r"[^\])]*[\])]\s*\.?\s*$",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"^\s*\[(.+)\]\s*\.?\s*$", re.DOTALL)


def _title_variants(title: str, subtitle: str) -> list[str]:
    """The record's title as printed, with its subtitle, and without the depositor's notes."""
    variants = [title]
    if subtitle:
        variants.append(f"{title}: {subtitle}")
    for v in list(variants):
        bare = _TITLE_NOTE.sub("", v)
        bare = _TITLE_NOTE.sub("", bare)  # "[Review] [Article in German]"
        m = _BRACKETED.match(bare)
        if m:
            bare = m.group(1)
        if bare != v:
            variants.append(bare)
    return list(dict.fromkeys(normalize(v) for v in variants if normalize(v)))


# How strongly each title verdict speaks for the candidate (to choose among the record's titles).
_TITLE_RANK = {"match": 6, "close": 5, "partial": 4, "weak": 3, "absent": 2, "missing": 1, "mismatch": 0}
# Words of a reference that are furniture, not content: "et al", "and", "vol.", "pp.", "no.", "in".
_FURNITURE = frozenset([
    "et", "al", "and", "vol", "pp", "no", "in", "eds", "ed", "doi", "pmid", "epub", "ahead", "print",
    "available", "from", "accessed", "online", "suppl", "pt",
])
# A record title shorter than this share of the cited title (in words) is a fragment of it.
FRAGMENT = 0.6


def _unexplained_words(ref: Reference, raw: str, work: Work) -> list[str]:
    """The words of the reference that neither the cited authors, nor the record's authors and
    journal, nor numbers account for: where a title would be. A reference in a title-less style
    (ACS, physics: ``M. C. Dalakas and R. Hohlfeld, Lancet, 2003, 362, 971–982.``) leaves none."""
    explained = set(_FURNITURE)
    for a in [*ref.authors, *work.authors]:
        explained.update(normalize(a.family).split())
        explained.update(normalize(a.given or "").split())
    for name in _journal_names(work):
        explained.update(name.split())
    if ref.journal:
        explained.update(normalize(ref.journal).split())
    return [w for w in _content_words(raw) if w not in explained]


@functools.lru_cache(maxsize=65536)  # the same raw text and record titles come back for every candidate
def _content_words(text: str) -> tuple[str, ...]:
    """The words that carry content: neither numbers, nor initials, nor citation furniture."""
    return tuple(w for w in text.split() if len(w) > 1 and not _DIGIT.search(w) and w not in _FURNITURE)


_DIGIT = re.compile(r"\d")


def _title_evidence(
    ref: Reference, raw: str, title: str, subtitle: str, leftover: list[str] | None = None
) -> dict[str, Any]:
    full = _title_variants(title, subtitle)
    if not full:
        return {"cited": ref.title, "record": title or None, "score": 0.0, "verdict": "missing"}
    cited = normalize(ref.title) if ref.title else ""
    best, length, words = max(
        (_title_similarity(v, cited, raw), len(v), len(_content_words(v))) for v in full
    )
    if best >= 0.93 and length >= 20:
        verdict = "match"
    elif best >= 0.93 or (best >= 0.85 and length >= 30):
        verdict = "close"
    elif best >= 0.75:
        verdict = "weak"
    else:
        verdict = "mismatch"
    # A record title that is only a piece of the cited one ("Columnar fate imposed by" for "Motor
    # neuron columnar fate imposed by sequential phases of Hox-c activity") agrees with it only as
    # far as it goes: partial evidence. The cited title's length is the parsed title's, else the
    # words of the string no other field explains.
    cited_words = len(_content_words(cited)) if cited else len(leftover or [])
    if verdict in ("match", "close") and cited_words and words < FRAGMENT * cited_words:
        verdict = "partial"
    # Nothing in the string is left for a title to be (the style prints none): no evidence either way.
    if verdict in ("mismatch", "weak") and leftover is not None and len(leftover) <= 1:
        verdict = "absent"
    # The record may carry a subtitle the citation leaves out ("Title: A Controlled Trial").
    main = normalize(re.split(r"[:.?]\s", _TITLE_NOTE.sub("", title), maxsplit=1)[0])
    if verdict not in ("match", "close", "partial") and main != full[0] and len(main.split()) >= 3:
        main_score = (fuzz.ratio(main, cited) if cited else fuzz.partial_ratio(main, raw)) / 100
        if main_score >= 0.93 and len(main) >= 20:
            # Only "close": another paper can share the main title and differ after the colon.
            best, verdict = main_score, "close"
    return {"cited": ref.title, "record": title, "score": round(best, 3), "verdict": verdict}


def _title_similarity(variant: str, cited: str, raw: str) -> float:
    best = 0.0
    if cited:
        best = fuzz.ratio(variant, cited) / 100
        shorter, longer = sorted((variant, cited), key=len)
        if len(shorter) >= 0.6 * len(longer):  # one truncated, or with a few extra words
            best = max(
                best, fuzz.partial_ratio(shorter, longer) / 100 * (0.9 + 0.1 * len(shorter) / len(longer))
            )
    # The raw text too: it survives a parser that cut the title in the wrong place.
    if len(variant) <= len(raw):
        best = max(best, fuzz.partial_ratio(variant, raw) / 100)
    return best


def _first_person(authors: list[Author]) -> Author | None:
    """The first author with a family name: a group ("The X Study Group") deposited first is skipped."""
    return next((a for a in authors if not a.group and a.family), None)


def _author_evidence(ref: Reference, raw: str, authors: list[Author]) -> dict[str, Any]:
    first = authors[0] if authors else None
    cited = ref.authors[0].family if ref.authors else None
    if first is not None and first.group:
        # A group author: it speaks when the citation prints it; else the first person deposited
        # does, and with no person the deposit says nothing about who the citation names first.
        group = re.sub(r"^the ", "", normalize(first.family))
        if group and (f" {group} " in f" {raw} " or (cited and normalize(cited) in group.split())):
            return {"cited": cited, "record": first.family, "score": 1.0, "verdict": "match"}
        person = _first_person(authors)
        if not person:
            return {"cited": cited, "record": first.family, "score": 0.0, "verdict": "missing"}
        first = person
    family = first.family if first is not None else None
    if not family:
        return {"cited": cited, "record": None, "score": 0.0, "verdict": "missing"}
    name = normalize(family)
    words = name.split()
    core = " ".join(w for w in words if w not in _PARTICLES) or name
    candidates = {name, core, name.replace(" ", ""), words[-1] if words else name}
    if cited:
        c = normalize(cited)
        if (
            c in candidates
            or c.endswith(" " + core)
            or core.endswith(" " + c)
            or c.replace(" ", "") == core.replace(" ", "")
        ):
            return {"cited": cited, "record": family, "score": 1.0, "verdict": "match"}
    head = raw[:60]
    padded = f" {raw} "
    for cand in candidates:
        if len(cand) < 2:
            continue
        pos = padded.find(f" {cand} ")
        if pos < 0:
            continue
        verdict = "match" if pos <= 3 or f" {cand} " in f" {head} "[: len(cand) + 25] else "elsewhere"
        if verdict == "elsewhere" and (cited is None and pos < 40):
            verdict = "match"
        return {
            "cited": cited,
            "record": family,
            "score": 1.0 if verdict == "match" else 0.5,
            "verdict": verdict,
        }
    given = normalize(first.given or "") if first is not None else ""
    if len(given) >= 3 and not re.fullmatch(r"(\w )*\w", given) and f" {given} " in f" {head} ":
        # Given and family names swapped in the deposit.
        return {"cited": cited, "record": family, "score": 0.9, "verdict": "close"}
    score = fuzz.partial_ratio(core, head) / 100 if len(core) >= 4 else 0.0
    if cited:
        score = max(score, fuzz.ratio(core, normalize(cited)) / 100)
    verdict = "close" if score >= 0.85 else "mismatch"
    return {"cited": cited, "record": family, "score": round(score, 3), "verdict": verdict}


def _year_evidence(ref: Reference, raw: str, work: Work) -> dict[str, Any]:
    years = work.years
    cited_years = [ref.year] if ref.year else years_in(raw)
    cited = ref.year or (cited_years[0] if cited_years else None)
    shown = years[0] if years else None
    if not years or not cited_years:
        return {"cited": cited, "record": shown, "score": 0.0, "verdict": "missing"}
    common = sorted(set(years) & set(cited_years))
    if common:
        found = {"cited": cited, "record": common[0], "score": 1.0, "verdict": "match"}
        if shown != common[0]:  # the earlier date is the online-first one
            found["note"] = f"issued {shown}, printed {common[0]}"
        return found
    # Online first: the record's year is the one before the printed one.
    if any(c - y == 1 for c in cited_years for y in years) or any(
        y - c == 1 for c in cited_years for y in years
    ):
        return {"cited": cited, "record": shown, "score": 0.5, "verdict": "close", "off": 1}
    # A long online-first wait: two years early, when the deposit has no print date to say otherwise.
    if not work.print_year and any(c - y == 2 for c in cited_years for y in years):
        return {"cited": cited, "record": shown, "score": 0.25, "verdict": "close", "off": 2}
    if not ref.year and len(cited_years) > 1:
        # Several years in the text (a title can carry one); weak either way.
        return {"cited": cited, "record": shown, "score": 0.0, "verdict": "mismatch"}
    return {"cited": cited, "record": shown, "score": 0.0, "verdict": "mismatch"}


def _numbers(raw: str) -> set[str]:
    return {n.lstrip("0") or "0" for n in _NUMBER.findall(raw)}


def _number_evidence(cited: str | None, raw: str, value: Any, raw_text: str = "") -> dict[str, Any]:
    if not value:
        return {"cited": cited, "record": None, "score": 0.0, "verdict": "missing"}
    record = normalize(value)
    tokens = [t for t in record.split() if any(c.isdigit() for c in t)]  # "51 Suppl 2": the numbers
    if cited:
        ok = normalize(cited).lstrip("0") == record.lstrip("0")
        cited_tokens = [t for t in normalize(cited).split() if any(c.isdigit() for c in t)]
        if not ok and tokens and cited_tokens:  # "84 Suppl 1" and "84": the volume is the first number
            ok = cited_tokens[0].lstrip("0") == tokens[0].lstrip("0")
        if not ok and tokens and raw_text:
            # A parser can take the wrong number; the record's volume printed where volumes go
            # ("58:", "58(", "58, 768", "vol 58") still counts. An issue "11(6)" does not.
            vol = re.escape(tokens[0].lstrip("0") or "0")
            ok = bool(
                re.search(
                    rf"(?<![\w.(])0*{vol}\s*(?:\(|:|;|,\s*\d)|\bvol(?:ume)?\.?\s*0*{vol}\b",
                    raw_text,
                    re.IGNORECASE,
                )
            )
    else:
        ok = bool(tokens) and all((t.lstrip("0") or "0") in _numbers(raw) for t in tokens)
    return {
        "cited": cited,
        "record": value,
        "score": 1.0 if ok else 0.0,
        "verdict": "match" if ok else "mismatch",
    }


def _issue_evidence(ref: Reference, work: Work) -> dict[str, Any]:
    value = work.issue
    if not value or not ref.issue:
        return {"cited": ref.issue, "record": value, "score": 0.0, "verdict": "missing"}
    cited, recorded = normalize(ref.issue), normalize(value)
    ok = cited.lstrip("0") == recorded.lstrip("0")
    if not ok:  # a double issue "3-4" cited as "3", or the other way round
        ok = bool({t.lstrip("0") for t in cited.split()} & {t.lstrip("0") for t in recorded.split()})
    return {"cited": ref.issue, "record": value, "score": float(ok), "verdict": "match" if ok else "mismatch"}


_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_ROMAN = re.compile(r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")


def _roman_value(token: str) -> int | None:
    if not token or not _ROMAN.fullmatch(token):
        return None
    values = [_ROMAN_VALUES[c] for c in token]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def page_forms(token: str) -> set[str]:
    """The ways one page can be written: "S12", "e1234", "0012", "xii" all stand for their number too."""
    token = normalize(token).replace(" ", "")
    if not token:
        return set()
    forms = {token.lstrip("0") or "0"}
    m = re.fullmatch(r"([a-z]{1,2})0*(\d+)", token)  # supplement / e-locator prefix
    if m:
        forms.add(m.group(2))
    m = re.fullmatch(r"0*(\d+)[a-z]+\d*", token)  # "1234.e1", "12a": the article's page
    if m:
        forms.add(m.group(1))
    roman = _roman_value(token)
    if roman:
        forms.add(str(roman))
    return forms


def _page_evidence(ref: Reference, raw: str, work: Work) -> dict[str, Any]:
    first = work.first_page or work.article_number or ""
    page = f"{work.first_page}-{work.last_page}" if work.first_page and work.last_page else first
    if not first:
        return {"cited": ref.first_page, "record": None, "score": 0.0, "verdict": "missing"}
    rec = page_forms(first)
    if work.article_number:
        rec |= page_forms(work.article_number)
    cited = ref.first_page
    if cited and rec & page_forms(cited):
        ok = True
    else:
        # Raw text: the page as a token; e-locators printed "e1234" or "1234" match either way.
        numbers = _numbers(raw)
        ok = bool(rec & numbers) or any(("e" + r) in numbers for r in rec)
        if not ok and any(_roman_value(r) for r in rec):  # a roman page printed as such
            ok = bool(rec & set(normalize(raw).split()))
    return {
        "cited": cited,
        "record": page or first,
        "score": float(ok),
        "verdict": "match" if ok else "mismatch",
    }


def _journal_names(work: Work) -> list[str]:
    names = [normalize(n) for n in (work.short_container_title, work.container_title) if n]
    return [n for n in dict.fromkeys(names) if n]


def _abbreviates_word(short: str, word: str) -> bool:
    """ISO 4 shortens a word by truncation ("Dermatol") or contraction ("Natl", "Assoc")."""
    if word.startswith(short):
        return True
    if len(short) >= 3 and fuzz.ratio(word[: len(short)], short) >= 80:
        return True
    if len(short) < 3 or short[0] != word[0]:
        return False
    rest = iter(word)
    return all(c in rest for c in short)  # the letters in order: a contraction


def abbreviates(abbrev: str, full: str) -> bool:
    """Whether ``abbrev`` ("j am acad dermatol") abbreviates ``full`` word by word (ISO 4 style)."""
    a = [w for w in abbrev.split() if w not in _JOURNAL_STOP]
    f = [w for w in full.split() if w not in _JOURNAL_STOP]
    if not a or not f:
        return False
    i = j = 0
    while i < len(a) and j < len(f):
        if _abbreviates_word(a[i], f[j]):
            i, j = i + 1, j + 1
        elif 2 <= len(a[i]) <= len(f) - j and all(c == w[0] for c, w in zip(a[i], f[j:], strict=False)):
            i, j = i + 1, j + len(a[i])  # an acronym: "USA" for "United States (of) America"
        else:
            j += 1
    return i == len(a)


def _journal_evidence(ref: Reference, raw: str, work: Work) -> dict[str, Any]:
    names = _journal_names(work)
    shown = work.container_title or work.short_container_title or None
    if not names:
        return {"cited": ref.journal, "record": None, "score": 0.0, "verdict": "missing"}
    cited = normalize(ref.journal) if ref.journal else ""
    padded = f" {raw} "
    for name in names:
        if cited and (cited == name or abbreviates(cited, name) or abbreviates(name, cited)):
            return {"cited": ref.journal, "record": shown, "score": 1.0, "verdict": "match"}
        if f" {name} " in padded:
            return {"cited": ref.journal, "record": shown, "score": 1.0, "verdict": "match"}
    if cited:
        score = max(fuzz.ratio(cited, n) for n in names) / 100
        if score >= 0.85:
            return {"cited": ref.journal, "record": shown, "score": round(score, 3), "verdict": "match"}
        return {"cited": ref.journal, "record": shown, "score": round(score, 3), "verdict": "mismatch"}
    return {"cited": None, "record": shown, "score": 0.0, "verdict": "unknown"}
