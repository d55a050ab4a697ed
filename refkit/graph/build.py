"""The evidence graph: which cited works back which therapy, and why.

Nodes (``kind`` attribute):

- ``article`` (``article:<stem>``): a case report;
- ``work`` (``doi:<doi>`` when resolved, else ``ref:<stem>#<n>``): a cited work;
- ``therapy`` (``therapy:<name>``): a normalised drug/procedure, with MeSH/DrugBank ids;
- ``class`` (``class:<name>``): a drug class.

Edges (a MultiDiGraph; ``type`` attribute, the edge key says type and evidence):

- ``cites`` article → work (``n``: the reference number);
- ``mentions`` article → therapy (``where``, ``doses``, ``given_in_case``);
- ``supports`` therapy → work, one per kind of ``evidence``: ``direct`` (the work's title
  names the therapy), ``citation-context`` (the article cites the work next to the therapy:
  "…tacrolimus (12)"), ``abstract`` (the work's abstract names it), ``class`` (the title
  names a class that contains it); ``detail`` says what was read, ``articles`` who cites it;
- ``is_a`` therapy → class.

A cited work is one node whatever article cites it: keyed by DOI, else PMID, else a
fingerprint of what the reference says (first author, year, title words, volume, first page),
so two case reports citing the same unresolved paper share its node (:func:`work_key`).
``add_article`` replaces what an article contributed before, so re-running on one article
updates the one graph of all its case reports. Persistence is :mod:`refkit.graph.store`;
queries are :mod:`refkit.graph.query`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

from refkit.model import Article, Reference
from refkit.resolve.pipeline import printed_doi
from refkit.text import fold
from refkit.therapies import Mention, extract_article, vocabulary

# How strongly each kind of evidence backs a therapy: what a work's title or MeSH indexing says
# first, then an abstract, then a class the title names.
EVIDENCE_RANK = {"direct": 0, "mesh": 0, "citation-context": 0, "abstract": 1, "class": 2}
_THERAPY_KINDS = ("drug", "procedure")
# MeSH qualifiers that say a paper is about using the substance as a treatment, and those that
# say it is about harm; other qualifiers (pharmacology, chemistry…) back nothing.
_MESH_SUPPORT = frozenset(["therapeutic use", "drug therapy", "administration & dosage", "therapy"])
_MESH_HARM = frozenset(["adverse effects", "poisoning", "toxicity"])


def new_graph() -> nx.MultiDiGraph:
    return nx.MultiDiGraph()


def article_stem(article: Article) -> str:
    return Path(article.source).stem if article.source else "article"


def work_key(ref: Reference) -> str:
    """A cited work's identity across articles: a verified DOI or PMID; else the identifiers the
    reference prints; else a fingerprint of its fields (see :func:`fingerprint`)."""
    m = ref.match
    if m is not None and m.status == "matched":
        if m.doi:
            return f"doi:{m.doi.lower()}"
        if m.pmid:
            return f"pmid:{m.pmid}"
    doi = printed_doi(ref)
    if doi:
        return f"doi:{doi.lower()}"
    if ref.pmid:
        return f"pmid:{ref.pmid.strip()}"
    return "fp:" + fingerprint(ref)


_SKIP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "and",
        "for",
        "with",
        "to",
        "by",
        "from",
        "at",
        "as",
        "is",
        "are",
        "was",
        "were",
    ]
)


def add_support(graph: nx.MultiDiGraph, therapy_node: str, work: str, evidence: str, detail: str,
                article: str) -> None:
    """One ``supports`` edge per therapy, work and kind of evidence: a second article adds its
    name and what it read to the same edge."""
    key = f"supports:{evidence}"
    if graph.has_edge(therapy_node, work, key):
        data = graph.edges[therapy_node, work, key]
        data["articles"] = sorted(set(data["articles"]) | {article})
        if detail not in data["detail"]:
            data["detail"] = f"{data['detail']}; {detail}"
    else:
        graph.add_edge(therapy_node, work, key=key, type="supports", evidence=evidence, detail=detail,
                       articles=[article])


def fingerprint(ref: Reference) -> str:
    """What the reference says, folded: first author, year, the first five title words, volume,
    first page. Two printings of one citation in two case reports give the same fingerprint;
    a wrong year or another first page gives another."""
    author = fold(ref.authors[0].family).replace(" ", "") if ref.authors else ""
    words = [w for w in fold(ref.title or "").split() if w not in _SKIP][:5]
    if not words and not (ref.volume and ref.first_page):
        words = fold(ref.raw).split()[:12]  # nothing parsed: the text itself
    parts = [author, str(ref.year or ""), "-".join(words), fold(ref.volume or ""), fold(ref.first_page or "")]
    return "|".join(parts)


def add_article(graph: nx.MultiDiGraph, article: Article) -> nx.MultiDiGraph:
    """Merge one article (parsed, resolved or not) into ``graph``; returns the graph."""
    stem = article_stem(article)
    forget_article(graph, stem)
    _ensure_text(article)
    art = f"article:{stem}"
    graph.add_node(
        art,
        kind="article",
        label=_short_title(article.title) or stem,
        title=article.title or "",
        doi=article.doi or "",
        stem=stem,
    )
    works: dict[int, str] = {}
    for ref in article.references:
        if ref.n is None:
            continue
        node = work_key(ref)
        works[ref.n] = node
        _add_work(graph, node, ref)
        graph.add_edge(art, node, key=f"cites:{stem}", type="cites", n=ref.n, article=stem)

    mentions = extract_article(article)
    vocab = vocabulary()
    in_article = [m for m in mentions if m.ref is None]
    named = {m.name for m in mentions if m.kind in _THERAPY_KINDS}
    for ms in _group(in_article).values():
        first = ms[0]
        node = _add_concept(graph, first)
        graph.add_edge(
            art,
            node,
            key=f"mentions:{stem}",
            type="mentions",
            article=stem,
            where=", ".join(dict.fromkeys(m.where for m in ms)),
            doses="; ".join(dict.fromkeys(m.dose for m in ms if m.dose)),
            given_in_case=any(m.given_in_case for m in ms),
            count=len(ms),
        )

    def support(therapy: str, work: str, evidence: str, detail: str) -> None:
        concept = vocab.lookup(therapy)
        node = f"therapy:{therapy}"
        if node not in graph:
            graph.add_node(
                node,
                kind="therapy",
                label=therapy,
                name=therapy,
                therapy_kind=concept.kind if concept else "drug",
                mesh=(concept.mesh if concept else None) or "",
                drugbank=(concept.drugbank if concept else None) or "",
            )
        add_support(graph, node, work, evidence, detail, stem)

    for m in mentions:
        if m.ref is None or m.ref not in works:
            continue
        work = works[m.ref]
        source = "record" if m.where.startswith("record") else "reference"
        if m.kind in _THERAPY_KINDS or m.kind == "chemical" and m.name in named:
            if m.in_title:
                support(m.name, work, "direct", f"title ({source}) names '{m.text}'")
            elif m.where.endswith("abstract"):
                support(m.name, work, "abstract", f"abstract names '{m.text}'")
        elif m.kind == "class" and m.in_title:
            cls = vocab.classes.get(m.name)
            graph.add_node(f"class:{m.name}", kind="class", label=m.name, name=m.name, mesh=m.mesh or "")
            for member in cls.members if cls else []:
                if member in named:
                    support(member, work, "class", f"title names the class '{m.text}'")
    for m, n in _citation_contexts(article.text, in_article, set(works)):
        if m.kind in _THERAPY_KINDS:
            support(m.name, works[n], "citation-context", f"cited as ({n}) after '{m.text}'")
    # PubMed's indexing: "Azathioprine/therapeutic use*" backs azathioprine without reading a word.
    for ref in article.references:
        if ref.n is None or ref.work is None or not ref.work.mesh:
            continue
        for heading in ref.work.mesh:
            concept = vocab.lookup(str(heading.get("descriptor") or ""))
            if concept is None or concept.name not in named:
                continue
            qualifiers = [
                str(q.get("name") if isinstance(q, dict) else q).lower()
                for q in heading.get("qualifiers") or []
            ]
            star = (
                "*"
                if heading.get("major")
                or any(isinstance(q, dict) and q.get("major") for q in heading.get("qualifiers") or [])
                else ""
            )
            for q in qualifiers:
                label = f"indexed {heading.get('descriptor')}/{q}{star}"
                if q in _MESH_SUPPORT:
                    support(concept.name, works[ref.n], "mesh", label)
                elif q in _MESH_HARM:
                    support(concept.name, works[ref.n], "mesh-adverse", label)

    # classes: every therapy node to the classes that contain it
    for node, data in list(graph.nodes(data=True)):
        if data.get("kind") != "therapy":
            continue
        for cls in vocab.classes_of(data["name"]):
            class_node = f"class:{cls}"
            if class_node not in graph:
                concept = vocab.classes[cls]
                graph.add_node(class_node, kind="class", label=cls, name=cls, mesh=concept.mesh or "")
            if not graph.has_edge(node, class_node, "is_a"):
                graph.add_edge(node, class_node, key="is_a", type="is_a")
    return graph


def forget_article(graph: nx.MultiDiGraph, stem: str) -> None:
    """Remove what article ``stem`` contributed (its node, citations, mentions, evidence)."""
    art = f"article:{stem}"
    if art in graph:
        graph.remove_node(art)
    for u, v, k, data in list(graph.edges(keys=True, data=True)):
        if data.get("type") == "supports" and stem in data.get("articles", []):
            rest = [a for a in data["articles"] if a != stem]
            if rest:
                data["articles"] = rest
            else:
                graph.remove_edge(u, v, k)
    for node, data in list(graph.nodes(data=True)):
        kind = data.get("kind")
        if kind == "work" and not any(d.get("type") == "cites" for *_, d in graph.in_edges(node, data=True)):
            graph.remove_node(node)
    for node, data in list(graph.nodes(data=True)):
        if data.get("kind") == "therapy" and not any(
            d.get("type") in ("mentions", "supports")
            for *_, d in list(graph.in_edges(node, data=True)) + list(graph.out_edges(node, data=True))
        ):
            graph.remove_node(node)
    for node, data in list(graph.nodes(data=True)):
        if data.get("kind") == "class" and graph.degree(node) == 0:
            graph.remove_node(node)


# --- building blocks --------------------------------------------------------------------------


def _add_work(graph: nx.MultiDiGraph, node: str, ref: Reference) -> None:
    matched = ref.match is not None and ref.match.status == "matched"
    work = ref.work if matched else None
    title = (work.title if work and work.title else ref.title) or ref.raw[:120]
    year = ref.year or (work.year if work else None) or 0  # the printed year, as readers cite it
    first = (work.authors[0].family if work and work.authors else None) or (
        ref.authors[0].family if ref.authors else ""
    )
    label = f"{first} {year}".strip() if first or year else title[:40]
    doi = (ref.match.doi if matched and ref.match else None) or printed_doi(ref) or ""
    pmid = (ref.match.pmid if matched and ref.match else None) or ref.pmid or ""
    attrs = {
        "kind": "work",
        "label": label,
        "title": title,
        "year": year,
        "first_author": first,
        "doi": doi,
        "pmid": pmid,
        "verified": bool(matched),
        "reference": json.dumps(ref.to_dict(), ensure_ascii=False),
    }
    if node in graph:
        held = graph.nodes[node]
        if held.get("verified") and not matched:  # a verified citation of the work keeps its record
            attrs = {k: v for k, v in attrs.items() if k not in ("title", "reference", "verified", "doi")}
        held.update({k: v for k, v in attrs.items() if v or k == "verified" and matched})
    else:
        graph.add_node(node, **attrs)


def _add_concept(graph: nx.MultiDiGraph, m: Mention) -> str:
    kind = "class" if m.kind == "class" else "therapy"
    node = f"{kind}:{m.name}"
    if node not in graph:
        graph.add_node(
            node,
            kind=kind,
            label=m.name,
            name=m.name,
            therapy_kind=m.kind,
            mesh=m.mesh or "",
            drugbank=m.drugbank or "",
        )
    return node


def _group(mentions: list[Mention]) -> dict[str, list[Mention]]:
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        if m.kind in _THERAPY_KINDS or m.kind == "class":
            groups.setdefault(m.name, []).append(m)
    return groups


_MARKER = re.compile(r"[\[(]\s*(\d{1,3}(?:\s*[,\u2013\u2014\-]\s*\d{1,3})*)\s*[\])]")


def _citation_contexts(text: str, mentions: list[Mention], refs: set[int]) -> list[tuple[Mention, int]]:
    """(mention, n) where a citation marker follows the mention in the same sentence, before
    any other therapy is named: "…treated with tacrolimus (12)", "tacrolimus [12, 13]"."""
    out = []
    placed = sorted(
        (m for m in mentions if m.start is not None and m.where in ("body", "abstract", "text")),
        key=lambda m: m.start,
    )
    for i, m in enumerate(placed):
        limit = placed[i + 1].start if i + 1 < len(placed) else len(text)
        sentence = re.search(r"(?<!\b[A-Z][a-z])(?<!et al)[.!?](?:\s|$)", text[m.end : limit])
        stop = m.end + sentence.start() if sentence else limit
        for marker in _MARKER.finditer(text, m.end, min(stop + 1, len(text))):
            for n in _marker_numbers(marker.group(1)):
                if n in refs:
                    out.append((m, n))
    return out


def _marker_numbers(spec: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", spec):
        bounds = re.split(r"\s*[\u2013\u2014\-]\s*", part)
        is_range = len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit()
        if is_range and 0 <= int(bounds[1]) - int(bounds[0]) < 30:
            numbers.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        elif part.isdigit():
            numbers.append(int(part))
    return numbers


def _short_title(title: str | None) -> str:
    if not title:
        return ""
    return title if len(title) <= 60 else title[:57].rsplit(" ", 1)[0] + "…"


def _ensure_text(article: Article) -> None:
    """Articles read back from refs/<stem>.json carry no full text: rebuild one from the parts
    (offsets then refer to that text, which the graph does not keep)."""
    if article.text:
        return
    parts = [article.title or "", article.abstract or "", article.body or ""]
    parts += [c.text for c in article.captions]
    parts += [r.raw for r in article.references]
    article.text = "\n\n".join(p for p in parts if p)
    for c in article.captions:
        c.start = None
