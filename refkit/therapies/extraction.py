"""Therapy mentions in an article (or plain text), each placed, normalised and dosed.

The whole file text is scanned once, so every mention's ``start``/``end`` are offsets into
the file; its ``where`` comes from the parts the parser found (title, abstract, body,
caption, reference *n*); text outside them (a plain abstract with no structure, page
furniture) is ``text``. Resolved references add mentions from the canonical record's title
and abstract, which have no offsets in the file (``start`` None).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refkit.model import Article
from refkit.therapies import tagger
from refkit.therapies.abbreviations import long_form, short_form_after
from refkit.therapies.chemicals import Hit, find_names
from refkit.therapies.context import ADMINISTERED, non_narrative_lines, status_of
from refkit.therapies.doses import regimen_after
from refkit.therapies.tagger import MODEL
from refkit.therapies.vocabulary import Concept, Vocabulary, vocabulary


@dataclass
class Mention:
    """One name in the text: where it is, what it names, and the dose written with it."""

    start: int | None
    end: int | None
    text: str
    name: str
    kind: str  # drug | chemical | procedure | class
    mesh: str | None = None
    drugbank: str | None = None
    classes: list[str] = field(default_factory=list)
    dose: str | None = None
    # given | not-given | stopped | switched | planned | allergic | history | mentioned
    # (refkit.therapies.context): what the sentence says the case did with it
    status: str = "mentioned"
    route: str | None = None
    frequency: str | None = None
    duration: str | None = None
    level: str | None = None  # a drug level measured (trough 10-12 ng/mL), never a dose
    # title | abstract | body | caption | keywords | reference N | record N title/abstract
    where: str = "text"
    ref: int | None = None  # the reference number, for mentions in a reference or its record
    in_title: bool = False  # inside the cited work's title (reference text or record)
    how: str = "vocabulary"
    pharmacological_class: bool = False  # a class by action (immunosuppressants), not a chemical
    # a chemical mention as BioCreative V CDR counts them: no procedure, no class by action, no
    # name its annotators leave unmarked (see chemical_mentions)
    chemical: bool = True
    # stretches of this mention that CDR counts as chemical mentions with other bounds
    # (``kanamycin`` of the combination ``kanamycin-colistin``): see chemical_mentions
    parts: list[Mention] = field(default_factory=list)

    @property
    def given_in_case(self) -> bool:
        """Administered in the case (given, then perhaps stopped or switched from)."""
        return self.status in ADMINISTERED

    def to_dict(self) -> dict[str, Any]:
        d = {
            "start": self.start, "end": self.end, "text": self.text, "name": self.name, "kind": self.kind,
            "mesh": self.mesh, "drugbank": self.drugbank, "dose": self.dose, "route": self.route,
            "frequency": self.frequency, "duration": self.duration, "level": self.level,
            "status": self.status, "given_in_case": self.given_in_case, "where": self.where,
        }
        if self.classes:
            d["classes"] = self.classes
        if self.ref is not None:
            d["ref"] = self.ref
            d["in_title"] = self.in_title
        d["how"] = self.how
        return d


@dataclass
class Therapy:
    """All mentions of one normalised name, summed up."""

    name: str
    kind: str
    mesh: str | None
    drugbank: str | None
    classes: list[str]
    where: list[str]
    doses: list[str]
    given_in_case: bool
    count: int
    statuses: list[str] = field(default_factory=list)  # of the placed mentions, in order
    routes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """Where the case left it: the last status the narrative gives (given, then stopped →
        stopped), ``mentioned`` when it says nothing of its use."""
        said = [s for s in self.statuses if s != "mentioned"]
        return said[-1] if said else "mentioned"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "mesh": self.mesh, "drugbank": self.drugbank,
            "classes": self.classes, "where": self.where, "doses": self.doses, "routes": self.routes,
            "given_in_case": self.given_in_case, "status": self.status, "statuses": self.statuses,
            "mentions": self.count,
        }


def extract_text(text: str, vocab: Vocabulary | None = None, *, model: Path | None = MODEL) -> list[Mention]:
    """Mentions in plain text (every drug, chemical and procedure), ``where`` = ``text``;
    ``given`` when the sentence or a dose says so. ``vocab``: another vocabulary than the
    default (scoring a table built without held-out abstracts); ``model``: another chemical
    tagger (:mod:`refkit.therapies.tagger`), or None for the rules alone (to train one)."""
    hits = find_names(text, vocab)
    mentions = [_mention(h, text, hits, i, "text", vocab) for i, h in enumerate(hits)]
    if model is not None and tagger.available(model):
        mentions = _tag_chemicals(text, mentions, vocab or vocabulary(), model)
    _share_ids(text, mentions, vocab or vocabulary())
    _set_status(text, mentions, non_narrative_lines(text), [])
    return mentions


def rule_spans(mentions: list[Mention]) -> list[tagger.RuleSpan]:
    """What the rules found, as the tagger's features read it."""
    return [tagger.RuleSpan(m.start, m.end, m.how, m.kind, m.chemical) for m in mentions
            if m.start is not None and m.end is not None]


# Where a new mention at an offset stands: (where, reference number, inside the cited title),
# or None where substances are not spoken of (a reference's authors and journal)
Placer = Callable[[int], "tuple[str, int | None, bool] | None"]


def _tag_chemicals(text: str, mentions: list[Mention], vocab: Vocabulary, model: Path,
                   place: Placer | None = None) -> list[Mention]:
    """The tagger's reading of which stretches are CDR chemical mentions, applied to the rules'
    mentions: a rule mention the tagger marks as it is stays a chemical mention; one it does
    not mark is still a therapy mention but no chemical one; a stretch the tagger marks
    inside or across a rule mention with other bounds (``kanamycin`` of ``kanamycin-colistin``)
    is a chemical part of that mention (:attr:`Mention.parts`); a stretch no rule found is a
    new mention, normalised by :func:`normalise`."""
    placed = [m for m in mentions if m.start is not None and m.end is not None]
    spans = tagger.chemical_spans(text, rule_spans(placed), model)
    exact = {(m.start, m.end): m for m in placed}
    tagged = set(spans)
    for m in placed:
        m.chemical = (m.start, m.end) in tagged
    new_hits: list[Hit] = []
    for s, e in spans:
        if (s, e) in exact:
            continue
        owner = next((m for m in placed if m.start is not None and m.end is not None
                      and m.start < e and s < m.end), None)
        concept = normalise(text[s:e], text, s, vocab, owner)
        if owner is None:
            if place is None or place(s) is not None:
                new_hits.append(Hit(s, e, text[s:e], concept, "tagger"))
            continue
        part = dataclasses.replace(owner, start=s, end=e, text=text[s:e], name=concept.name,
                                   mesh=concept.mesh, drugbank=concept.drugbank, how="tagger",
                                   chemical=True, parts=[])
        owner.parts.append(part)
    if new_hits:
        # a new name in its place among the others, dosed as every mention is
        everything = sorted([*(_as_hit(m) for m in placed), *new_hits], key=lambda h: h.start)
        for i, hit in enumerate(everything):
            if hit.how == "tagger":
                where, ref, in_title = place(hit.start) if place is not None else ("text", None, False)
                mention = _mention(hit, text, everything, i, where, vocab)
                mention.chemical = True
                mention.ref, mention.in_title = ref, in_title
                mentions.append(mention)
        mentions.sort(key=lambda m: m.start if m.start is not None else len(text))
    return mentions


def _share_ids(text: str, mentions: list[Mention], vocab: Vocabulary) -> None:
    """Ids passed between namesakes and between defined pairs until none changes: an id may
    travel from one pair to a namesake in another (``X (lindane)`` … ``X (gamma-HCH)``)."""
    for _ in range(4):
        before = [p.mesh for m in mentions for p in [m, *m.parts]]
        _same_name_same_id(mentions)
        _pair_shares_id(text, mentions, vocab)
        if [p.mesh for m in mentions for p in [m, *m.parts]] == before:
            break
    _same_name_same_id(mentions)


def _pair_shares_id(text: str, mentions: list[Mention], vocab: Vocabulary) -> None:
    """A long form and the short form the text defines for it (``gamma-hexachlorocyclohexane
    (gamma-HCH)``) name one substance: a short form with no id, or one standing for the long
    form's concept, takes the long form's id, and so does every use of it in the text; a long
    form with no id takes the short form's, and where neither has one, the short form's own id
    in the vocabularies (a misspelt or unlisted long form with a well-known abbreviation)."""
    every = [p for m in mentions for p in [m, *m.parts] if p.start is not None and p.end is not None]
    at = {p.start: p for p in every}
    defined: dict[str, tuple[str, str]] = {}  # short form → (long form's concept, its id)
    for long in every:
        found = short_form_after(text, long.end or 0)
        short = at.get(found.start(1)) if found is not None else None
        if found is None or short is None or short.text != found.group(1) or short is long \
                or long.kind == "class" or short.kind == "class":
            continue
        if long.mesh is None and short.mesh is None:
            concept = vocab.lookup(short.text)
            short.mesh = (concept.mesh if concept is not None else None) or vocab.mesh_for(short.text)
        if long.mesh is None:
            long.mesh = short.mesh
        elif short.mesh is None or short.name == long.name:
            # a short form that stands for the long form's concept (the text defined it so) names
            # what the written-out name names, throughout the text, whatever id the concept has
            # elsewhere (RA for retinyl acetate, not for the vitamin A it is filed under)
            defined.setdefault(short.text, (long.name, long.mesh))
    for p in every:
        if p.text in defined and (p.mesh is None or p.name == defined[p.text][0]):
            p.mesh = defined[p.text][1]


def _same_name_same_id(mentions: list[Mention]) -> None:
    """A name written the same way twice in one text names one substance: a mention left
    without an id takes the id its namesakes have (a part of a combination, a short form)."""
    every = [p for m in mentions for p in [m, *m.parts]]
    ids: dict[str, Counter[str]] = {}
    for m in every:
        if m.mesh:
            ids.setdefault(m.text.casefold(), Counter())[m.mesh] += 1
    for m in every:
        if m.mesh is None and m.text.casefold() in ids:
            m.mesh = ids[m.text.casefold()].most_common(1)[0][0]


def _as_hit(m: Mention) -> Hit:
    return Hit(m.start or 0, m.end or 0, m.text, Concept(m.name, m.kind, m.mesh, m.drugbank), m.how)


# What may follow or precede a substance's name and leave it the same substance for its id
_SALT_AFTER = re.compile(r"\s+(?:hydrochloride|dihydrochloride|hcl|sulfate|sulphate|sodium|potassium|calcium|"
                         r"maleate|mesylate|citrate|phosphate|tartrate|acetate|bromide|succinate|fumarate)$",
                         re.I)
_STEREO_FIRST = re.compile(r"^(?:\(?[+\-±]\)?|\(?[RS]\)?|[dlDL]|d,l|D,L|dl|DL|alpha|beta|gamma)-", re.I)


def normalise(name: str, text: str, start: int, vocab: Vocabulary, owner: Mention | None = None) -> Concept:
    """The concept of a chemical name found without the rules' help: the name as the
    vocabularies and the CDR table hold it, then morphological variants (a salt or ester word
    dropped, a stereo prefix dropped, singular for plural), then the long form the text gives a
    short form (``dexamethasone (dex)``), then the rule mention it lies in."""
    for variant in _variants(name):
        concept = vocab.lookup(variant)
        mesh = (concept.mesh if concept is not None else None) or vocab.mesh_for(variant)
        if mesh:
            return Concept(concept.name if concept is not None else variant.casefold(),
                           concept.kind if concept is not None else "chemical", mesh,
                           concept.drugbank if concept is not None else None, "tagger")
    long = _long_form_of(name, text)
    if long is not None:
        concept = vocab.lookup(long)
        if concept is not None:
            return Concept(concept.name, concept.kind, concept.mesh or vocab.mesh_for(long), concept.drugbank,
                           "tagger")
    if owner is not None and owner.kind != "class":
        return Concept(owner.name, owner.kind, owner.mesh, owner.drugbank, "tagger")
    return Concept(name.casefold(), "chemical", None, source="tagger")


def _variants(name: str) -> list[str]:
    out = [name]
    bare = _SALT_AFTER.sub("", name)
    out.append(bare)
    out.append(_STEREO_FIRST.sub("", bare))
    for v in list(out):
        if len(v) > 4 and v.endswith("s") and not v.endswith("ss"):
            out.append(v[:-1])
    return list(dict.fromkeys(v for v in out if v))


def _long_form_of(short: str, text: str) -> str | None:
    """The long form the text defines for ``short`` (``… dexamethasone (dex)``), if any."""
    if len(short) > 10 or " " in short:
        return None
    for m in re.finditer(r"[(\[]\s*" + re.escape(short) + r"\s*[)\]]", text):
        long = long_form(text[: m.start()], short)
        if long is not None:
            return long.strip(" ,;:")
    return None


def extract_article(article: Article) -> list[Mention]:
    """Mentions in the article's parts and references, plus the resolved records' text."""
    text = article.text or ""
    parts = _part_spans(article)
    case_spans = _case_sections(article, text)
    hits = find_names(text)
    mentions: list[Mention] = []
    for i, hit in enumerate(hits):
        where, ref, title_span = _locate(hit.start, parts)
        if ref is not None and title_span and not title_span[0] <= hit.start < title_span[1]:
            continue  # in a reference, only its title speaks of substances: the rest is authors, journal
        m = _mention(hit, text, hits, i, where)
        m.ref = ref
        m.in_title = bool(title_span and title_span[0] <= hit.start < title_span[1])
        mentions.append(m)

    def place(offset: int) -> tuple[str, int | None, bool] | None:
        # a name only the tagger finds is taken in the article's own prose, where the model's
        # training text (abstracts) is like it; page furniture ("CrossRef", "PubMed" links) and
        # reference lists are not
        where, _, _ = _locate(offset, parts)
        return (where, None, False) if where in ("title", "abstract", "body", "caption") else None

    if tagger.available(MODEL):
        mentions = _tag_chemicals(text, mentions, vocabulary(), MODEL, place)
    _share_ids(text, mentions, vocabulary())
    _set_status(text, mentions, non_narrative_lines(text), case_spans)
    for r in article.references:
        work = r.work if r.match is not None and r.match.status == "matched" else None
        if work is None:
            continue
        for label, record_text in (("title", work.title), ("abstract", work.abstract)):
            if not record_text:
                continue
            for hit in find_names(record_text):
                m = _mention(hit, record_text, [], 0, f"record {r.n} {label}")
                m.start = m.end = None
                m.dose = m.route = m.frequency = m.duration = m.level = None
                m.status = "mentioned"
                m.ref, m.in_title = r.n, label == "title"
                mentions.append(m)
    return mentions


def therapy_mentions(mentions: list[Mention]) -> list[Mention]:
    """The mentions that are substances, procedures or chemical classes (what CDR-style
    chemical scoring counts); pharmacological classes are kept apart."""
    return [m for m in mentions if not m.pharmacological_class]


def chemical_mentions(mentions: list[Mention]) -> list[Mention]:
    """The mentions BioCreative V CDR would mark as chemicals (what the CDR scores count)."""
    out = [p for m in mentions for p in ([m] if m.chemical else []) + m.parts]
    return sorted(out, key=lambda m: m.start if m.start is not None else -1)


def summarize(mentions: list[Mention]) -> list[Therapy]:
    """One Therapy per normalised name, in order of first mention."""
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(m.name, []).append(m)
    out = []
    for name, ms in groups.items():
        first = ms[0]
        out.append(Therapy(
            name=name, kind=first.kind, mesh=first.mesh, drugbank=first.drugbank, classes=first.classes,
            where=list(dict.fromkeys(m.where for m in ms)),
            doses=list(dict.fromkeys(m.dose for m in ms if m.dose)),
            given_in_case=any(m.given_in_case for m in ms), count=len(ms),
            statuses=[m.status for m in ms if m.start is not None],
            routes=list(dict.fromkeys(m.route for m in ms if m.route)),
        ))
    return out


def _mention(hit: Hit, text: str, hits: list[Hit], i: int, where: str,
             vocab: Vocabulary | None = None) -> Mention:
    c: Concept = hit.concept
    stop = hits[i + 1].start if i + 1 < len(hits) else len(text)
    window = text[hit.end: min(stop, hit.end + 80)].split("\n", 1)[0]
    before = text[max(0, hit.start - 30): hit.start].rsplit("\n", 1)[-1]
    regimen = regimen_after(window, before) if c.kind != "class" else None
    vocab = vocab or vocabulary()
    mesh = c.mesh
    if mesh is None and c.kind != "class":
        # the name as written may be a descriptor the concept's own name is not (Dothiepin, whose
        # concept the drug vocabulary calls dosulepin), or a salt of one; else the concept's own
        # name, or its parent (warfarin sodium)
        names = _variants(hit.text) + _variants(c.name)
        mesh = next((found for found in map(vocab.mesh_for, names) if found), None)
    elif c.kind != "class" and c.source != "curated":
        mesh = vocab.own_heading(hit.text) or mesh
    m = Mention(
        start=hit.start, end=hit.end, text=hit.text, name=c.name, kind=c.kind, mesh=mesh,
        drugbank=c.drugbank, classes=list(c.classes), where=where, how=hit.how,
        pharmacological_class=c.kind == "class" and not vocab.is_chemical_class(c.name),
    )
    m.chemical = not m.pharmacological_class and c.kind != "procedure" and not vocab.unmarked_by_annotators(
        hit.text)
    if regimen is not None:
        m.dose, m.route, m.frequency, m.duration, m.level = (
            regimen.dose, regimen.route, regimen.frequency, regimen.duration, regimen.level)
    return m


def _set_status(text: str, mentions: list[Mention], non_narrative: list[_Span],
                case_spans: list[_Span]) -> None:
    """Each placed mention's status from its sentence. References, keywords lines and headings
    are no narrative; a caption, the case section or a dose make ``given`` the default."""
    spans = [(m.start, m.end) for m in mentions if m.start is not None]
    for m in mentions:
        if m.start is None or m.end is None:
            continue
        keywords = any(s <= m.start < e for s, e in non_narrative)
        if keywords and m.where in ("abstract", "body", "text", "title"):
            line = text[_line_start(text, m.start):]
            m.where = "keywords" if re.match(r"\s*(?:key|index|mesh|abbrev)", line, re.I) else m.where
        narrative = m.ref is None and not keywords and m.where != "title"
        in_case = any(s <= m.start < e for s, e in case_spans)
        dosed = m.where in ("body", "text", "abstract") and m.dose is not None
        default = m.where == "caption" or in_case or dosed
        others = [sp for sp in spans if sp != (m.start, m.end)]
        m.status = status_of(text, m.start, m.end, others, narrative=narrative, administered_default=default)


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


# --- where a mention is -------------------------------------------------------------------

_Span = tuple[int, int]


def _find(text: str, part: str | None, start: int = 0) -> _Span | None:
    if not part:
        return None
    i = text.find(part, start)
    if i < 0:
        i = text.find(part.strip()[:200], start)
        return (i, i + len(part.strip())) if i >= 0 else None
    return (i, i + len(part))


def _part_spans(article: Article) -> list[tuple[_Span, str, int | None, _Span | None]]:
    """(span, where, reference number, title span) for each part found in the text."""
    text = article.text or ""
    spans: list[tuple[_Span, str, int | None, _Span | None]] = []
    for label, part in (("title", article.title), ("abstract", article.abstract), ("body", article.body)):
        span = _find(text, part)
        if span:
            spans.append((span, label, None, None))
    for c in article.captions:
        span = (c.start, c.start + len(c.text)) if c.start is not None else _find(text, c.text)
        if span:
            spans.append((span, "caption", None, None))
    cursor = 0
    for r in article.references:
        span = _find(text, r.raw, cursor)
        if not span:
            continue
        cursor = span[1]
        title = _find(text, r.title, span[0]) if r.title else None
        if title and title[1] > span[1]:
            title = None
        spans.append((span, f"reference {r.n}", r.n, title))
    # the smallest enclosing part wins (a caption inside the body text is a caption)
    return sorted(spans, key=lambda s: s[0][1] - s[0][0])


def _locate(offset: int, parts: list) -> tuple[str, int | None, _Span | None]:
    for (s, e), where, ref, title in parts:
        if s <= offset < e:
            return where, ref, title
    return "text", None, None


_CASE_HEAD = re.compile(r"^\s*(?:\d+\.?\s*)?(case(?:\s+(?:report|presentation|description|history|summary))?"
                        r"|clinical\s+(?:course|history))\s*:?\s*$", re.I | re.M)
_NEXT_HEAD = re.compile(r"^\s*(?:\d+\.?\s*)?(discussion|conclusions?|references|acknowledge?ments?)\s*:?\s*$",
                        re.I | re.M)


def _case_sections(article: Article, text: str) -> list[_Span]:
    """The case narrative: from a ``Case report``-like heading to the next major heading."""
    body = _find(text, article.body)
    if not body:
        return []
    spans = []
    for m in _CASE_HEAD.finditer(text, body[0], body[1]):
        end = _NEXT_HEAD.search(text, m.end(), body[1])
        spans.append((m.end(), end.start() if end else body[1]))
    return spans
