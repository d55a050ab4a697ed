"""Questions the evidence graph answers: which cited works back a therapy, and why.

``query_graph(graph, "FK506")`` finds the therapy (its name, a synonym, abbreviation or brand)
and ranks the works that support it: direct evidence (a title or MeSH indexing names it, or the
case cites the work right after naming it) first, then an abstract, then a class the title names.
Evidence of harm (MeSH ``adverse effects``) is listed with the work but never ranks it as support.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from refkit.graph.build import EVIDENCE_RANK
from refkit.model import Reference
from refkit.therapies import vocabulary
from refkit.therapies.vocabulary import phrase_key


@dataclass
class Support:
    """One work backing a therapy, with every piece of evidence and who cites it."""

    work: str
    label: str
    title: str
    doi: str | None
    year: int | None
    evidence: list[dict[str, Any]] = field(default_factory=list)  # {"evidence", "detail", "articles"}
    citing: list[dict[str, Any]] = field(default_factory=list)  # {"article", "n"}
    rank: int = 9
    pmid: str | None = None
    verified: bool = False  # the DOI/PMID were validated against a record (else: as printed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "work": self.work,
            "label": self.label,
            "title": self.title,
            "doi": self.doi,
            "pmid": self.pmid,
            "verified": self.verified,
            "year": self.year,
            "best_evidence": self.evidence[0]["evidence"] if self.evidence else None,
            "evidence": self.evidence,
            "cited_by": self.citing,
        }


@dataclass
class QueryResult:
    query: str
    therapy: str | None
    supports: list[Support] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)
    adverse: list[Support] = field(default_factory=list)  # works indexed for the therapy's harms only

    @property
    def found(self) -> bool:
        return self.therapy is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "therapy": self.therapy,
            "ids": self.ids,
            "classes": self.classes,
            "supports": [s.to_dict() for s in self.supports],
            "suggestions": self.suggestions,
            "adverse": [s.to_dict() for s in self.adverse],
        }


def resolve_therapy_name(graph: nx.MultiDiGraph, query: str) -> str | None:
    """The therapy node a query names: its own name, a synonym, abbreviation or brand name."""
    names = {d["name"]: n for n, d in graph.nodes(data=True) if d.get("kind") == "therapy"}
    if query in names:
        return query
    folded = {phrase_key(n): n for n in names}
    if phrase_key(query) in folded:
        return folded[phrase_key(query)]
    vocab = vocabulary()
    concept = vocab.lookup(query) or vocab.lookup(query.upper())
    if concept is None:
        from refkit.therapies.chemicals import find_names

        hits = find_names(query)
        whole = len(hits) == 1 and hits[0].end - hits[0].start >= len(query.strip()) - 1
        concept = hits[0].concept if whole else None
    if concept is not None and concept.name in names:
        return concept.name
    return None


def query_graph(graph: nx.MultiDiGraph, therapy: str, *, query: str | None = None) -> QueryResult:
    """The works that back ``therapy``, best evidence first (direct title, MeSH indexing or
    citation context, then abstract, then class); an unknown name gets the nearest known names.
    ``query`` is what the user asked, when ``therapy`` is already the resolved name."""
    asked = query or therapy
    name = resolve_therapy_name(graph, therapy)
    if name is None:
        return QueryResult(asked, None, suggestions=nearest_names(graph, therapy))
    node = f"therapy:{name}"
    data = graph.nodes[node]
    classes = {v.split(":", 1)[1] for _, v, d in graph.out_edges(node, data=True) if d.get("type") == "is_a"}
    classes |= set(vocabulary().classes_of(name))
    result = QueryResult(
        asked, name, ids={k: data[k] for k in ("mesh", "drugbank") if data.get(k)}, classes=sorted(classes)
    )
    by_work: dict[str, Support] = {}
    for _, work, edge in graph.out_edges(node, data=True):
        if edge.get("type") != "supports":
            continue
        w = graph.nodes[work]
        s = by_work.get(work)
        if s is None:
            s = by_work[work] = Support(
                work,
                w.get("label", work),
                w.get("title", ""),
                w.get("doi") or None,
                w.get("year") or None,
                pmid=w.get("pmid") or None,
                verified=bool(w.get("verified")),
            )
            for art, _, c in graph.in_edges(work, data=True):
                if c.get("type") == "cites":
                    s.citing.append({"article": graph.nodes[art].get("stem", art), "n": c.get("n")})
        s.evidence.append(
            {
                "evidence": edge["evidence"],
                "detail": edge.get("detail", ""),
                "articles": list(edge.get("articles", [])),
            }
        )

    def backs(s: Support) -> bool:
        return any(e["evidence"] in EVIDENCE_RANK for e in s.evidence)

    result.adverse = [s for s in by_work.values() if not backs(s)]
    by_work = {k: s for k, s in by_work.items() if backs(s)}
    for s in by_work.values():
        s.evidence.sort(key=lambda e: EVIDENCE_RANK.get(e["evidence"], 9))
        s.rank = EVIDENCE_RANK.get(s.evidence[0]["evidence"], 9)
        s.citing.sort(key=lambda c: (c["article"], c["n"] or 0))

    def order(s: Support) -> tuple[int, int, int, int]:
        first_n = min((c["n"] or 0) for c in s.citing) if s.citing else 0
        return (s.rank, -len(s.evidence), -len(s.citing), first_n)

    result.supports = sorted(by_work.values(), key=order)
    return result


def nearest_names(graph: nx.MultiDiGraph, query: str, limit: int = 5) -> list[str]:
    from rapidfuzz import fuzz, process

    names = sorted(d["name"] for _, d in graph.nodes(data=True) if d.get("kind") == "therapy")
    found = process.extract(query.casefold(), names, scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
    return [n for n, *_ in found] or names[:limit]


def supporting_references(graph: nx.MultiDiGraph, result: QueryResult) -> list[Reference]:
    """The supporting works as References (for the exporters)."""
    refs = []
    for s in result.supports:
        data = graph.nodes[s.work]
        stored = data.get("reference")
        refs.append(Reference.from_dict(json.loads(stored)) if stored else Reference(s.title, title=s.title))
    return refs
