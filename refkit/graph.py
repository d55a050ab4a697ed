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

Persisted as node-link JSON (``refs/graph.json``), written atomically; ``add_article``
replaces what an article contributed before, so re-running on one article of a workspace
updates the one graph of all its case reports.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from refkit.errors import RefkitError, cannot_write
from refkit.model import Article, Reference
from refkit.therapies import Mention, extract_article, vocabulary
from refkit.therapies.vocabulary import phrase_key

GRAPH_FILE = "graph.json"
EVIDENCE_RANK = {"direct": 0, "citation-context": 0, "abstract": 1, "class": 2}
_THERAPY_KINDS = ("drug", "procedure")


def new_graph() -> nx.MultiDiGraph:
    return nx.MultiDiGraph()


def article_stem(article: Article) -> str:
    return Path(article.source).stem if article.source else "article"


def work_id(stem: str, ref: Reference) -> str:
    doi = ref.match.doi if ref.match is not None and ref.match.status == "matched" else None
    return f"doi:{doi.lower()}" if doi else f"ref:{stem}#{ref.n}"


def add_article(graph: nx.MultiDiGraph, article: Article) -> nx.MultiDiGraph:
    """Merge one article (parsed, resolved or not) into ``graph``; returns the graph."""
    stem = article_stem(article)
    forget_article(graph, stem)
    _ensure_text(article)
    art = f"article:{stem}"
    graph.add_node(art, kind="article", label=_short_title(article.title) or stem, title=article.title or "",
                   doi=article.doi or "", stem=stem)
    works: dict[int, str] = {}
    for ref in article.references:
        if ref.n is None:
            continue
        node = work_id(stem, ref)
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
        graph.add_edge(art, node, key=f"mentions:{stem}", type="mentions", article=stem,
                       where=", ".join(dict.fromkeys(m.where for m in ms)),
                       doses="; ".join(dict.fromkeys(m.dose for m in ms if m.dose)),
                       given_in_case=any(m.given_in_case for m in ms), count=len(ms))

    def support(therapy: str, work: str, evidence: str, detail: str) -> None:
        concept = vocab.lookup(therapy)
        node = f"therapy:{therapy}"
        if node not in graph:
            graph.add_node(node, kind="therapy", label=therapy, name=therapy,
                           therapy_kind=concept.kind if concept else "drug",
                           mesh=(concept.mesh if concept else None) or "",
                           drugbank=(concept.drugbank if concept else None) or "")
        key = f"supports:{evidence}"
        if graph.has_edge(node, work, key):
            data = graph.edges[node, work, key]
            data["articles"] = sorted(set(data["articles"]) | {stem})
            if detail not in data["detail"]:
                data["detail"] = f"{data['detail']}; {detail}"
        else:
            graph.add_edge(node, work, key=key, type="supports", evidence=evidence, detail=detail,
                           articles=[stem])

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
            for member in (cls.members if cls else []):
                if member in named:
                    support(member, work, "class", f"title names the class '{m.text}'")
    for m, n in _citation_contexts(article.text, in_article, set(works)):
        if m.kind in _THERAPY_KINDS:
            support(m.name, works[n], "citation-context", f"cited as ({n}) after '{m.text}'")

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
            d.get("type") in ("mentions", "supports") for *_, d in
            list(graph.in_edges(node, data=True)) + list(graph.out_edges(node, data=True))
        ):
            graph.remove_node(node)
    for node, data in list(graph.nodes(data=True)):
        if data.get("kind") == "class" and graph.degree(node) == 0:
            graph.remove_node(node)


# --- persistence ----------------------------------------------------------------------------


def save_graph(graph: nx.MultiDiGraph, path: Path | str) -> None:
    """Write node-link JSON atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = nx.node_link_data(graph, edges="edges")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_graph(path: Path | str) -> nx.MultiDiGraph:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        graph = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    except UnicodeDecodeError:
        raise RefkitError(f"cannot read the evidence graph {path}: not UTF-8 text") from None
    except (OSError, ValueError) as err:
        raise RefkitError(f"cannot read the evidence graph {path}: {err}") from None
    except (KeyError, TypeError, AttributeError, nx.NetworkXError):
        raise RefkitError(f"cannot read the evidence graph {path}: not node-link graph JSON") from None
    # Valid JSON is not yet a graph refkit wrote: every node is a string id with a kind.
    odd = next((n for n, kind in graph.nodes(data="kind") if not isinstance(n, str) or not kind), None)
    if odd is not None:
        raise RefkitError(f"cannot read the evidence graph {path}: node {odd!r} is not a refkit node")
    return graph


def update_graph_for_article(article: Article, settings: Any, *, warn: Any = None) -> Path:
    """Merge a (resolved) article into ``<refs_dir>/graph.json``; what ``refkit resolve`` calls.

    A damaged graph.json is moved aside (never overwritten) and rebuilt from ``refs/*.json``.
    """
    path = Path(settings.refs_dir) / GRAPH_FILE
    graph = _load_or_set_aside(path, warn) if path.exists() else new_graph()
    if graph is None:  # it was damaged and is now set aside
        graph = _graph_from_resolved(Path(settings.refs_dir), warn)
    add_article(graph, article)
    try:
        save_graph(graph, path)
    except OSError as err:
        raise cannot_write(path, err) from None
    return path


def _load_or_set_aside(path: Path, warn: Any) -> nx.MultiDiGraph | None:
    """The graph at ``path``; or None when it is unreadable, after moving it to a
    ``graph.json.corrupt-<time>`` file beside it and saying so (what it held is kept)."""
    try:
        return load_graph(path)
    except RefkitError as err:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while kept.exists():
            kept, n = path.with_name(f"{path.name}.corrupt-{stamp}-{n}"), n + 1
        try:
            path.replace(kept)
        except OSError:
            raise err from None  # cannot move it: refuse rather than overwrite it
        if warn:
            warn(f"{err}; kept it as {kept.name} and rebuilt it from {path.parent}/*.json")
        return None


def _graph_from_resolved(refs_dir: Path, warn: Any) -> nx.MultiDiGraph:
    """A graph of every resolved article (``refs/<stem>.json``) in ``refs_dir``."""
    graph = new_graph()
    resolved = sorted(p for p in refs_dir.glob("*.json") if p.name != GRAPH_FILE) if refs_dir.is_dir() else []
    for p in resolved:
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
            article = Article.from_dict(doc)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            if warn:
                warn(f"skipping {p}: not a resolved article")
            continue
        article.source = article.source or p.name
        add_article(graph, article)
    return graph


def workspace_graph(settings: Any, *, warn: Any = None) -> nx.MultiDiGraph:
    """The workspace's graph: ``refs/graph.json``; else built from ``refs/*.json`` (resolved
    articles); else from the seeds (parsed and resolved offline). A built graph is saved; a
    damaged graph.json is moved aside first."""
    refs_dir = Path(settings.refs_dir)
    path = refs_dir / GRAPH_FILE
    if path.exists():
        graph = _load_or_set_aside(path, warn)
        if graph is not None:
            return graph
    graph = _graph_from_resolved(refs_dir, warn)
    if graph.number_of_nodes() == 0:
        _add_seeds(graph, settings, warn)
    if graph.number_of_nodes() == 0:
        raise RefkitError(f"no evidence graph: {path} is missing and there is nothing in {refs_dir} "
                          f"or {settings.seeds_dir} to build it from (run `refkit resolve FILE`)")
    try:
        save_graph(graph, path)
    except OSError as err:
        if warn:
            warn(f"could not save {path}: {err}")
    return graph


def _add_seeds(graph: nx.MultiDiGraph, settings: Any, warn: Any) -> None:
    from dataclasses import replace

    from refkit.parse import read_article
    from refkit.resolve import resolve_article

    seeds = Path(settings.seeds_dir)
    offline = replace(settings, offline=True)
    for p in sorted(seeds.glob("*.txt")) if seeds.is_dir() else []:
        try:
            article = read_article(p)
            resolve_article(article, offline)
        except RefkitError as err:
            if warn:
                warn(f"skipping seed {p.name}: {err}")
            continue
        add_article(graph, article)


# --- query ------------------------------------------------------------------------------------


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "work": self.work, "label": self.label, "title": self.title, "doi": self.doi, "year": self.year,
            "best_evidence": self.evidence[0]["evidence"] if self.evidence else None,
            "evidence": self.evidence, "cited_by": self.citing,
        }


@dataclass
class QueryResult:
    query: str
    therapy: str | None
    supports: list[Support] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    classes: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.therapy is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query, "therapy": self.therapy, "ids": self.ids, "classes": self.classes,
            "supports": [s.to_dict() for s in self.supports], "suggestions": self.suggestions,
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


def query_graph(graph: nx.MultiDiGraph, therapy: str) -> QueryResult:
    """The works that back ``therapy``, best evidence first (direct title or citation
    context, then abstract, then class); an unknown name gets the nearest known names."""
    name = resolve_therapy_name(graph, therapy)
    if name is None:
        return QueryResult(therapy, None, suggestions=nearest_names(graph, therapy))
    node = f"therapy:{name}"
    data = graph.nodes[node]
    result = QueryResult(therapy, name, ids={k: data[k] for k in ("mesh", "drugbank") if data.get(k)},
                         classes=sorted(v.split(":", 1)[1] for _, v, d in graph.out_edges(node, data=True)
                                        if d.get("type") == "is_a"))
    by_work: dict[str, Support] = {}
    for _, work, edge in graph.out_edges(node, data=True):
        if edge.get("type") != "supports":
            continue
        w = graph.nodes[work]
        s = by_work.get(work)
        if s is None:
            s = by_work[work] = Support(work, w.get("label", work), w.get("title", ""), w.get("doi") or None,
                                        w.get("year") or None)
            for art, _, c in graph.in_edges(work, data=True):
                if c.get("type") == "cites":
                    s.citing.append({"article": graph.nodes[art].get("stem", art), "n": c.get("n")})
        s.evidence.append({"evidence": edge["evidence"], "detail": edge.get("detail", ""),
                           "articles": list(edge.get("articles", []))})
    for s in by_work.values():
        s.evidence.sort(key=lambda e: EVIDENCE_RANK.get(e["evidence"], 9))
        s.rank = EVIDENCE_RANK.get(s.evidence[0]["evidence"], 9)
        s.citing.sort(key=lambda c: (c["article"], c["n"] or 0))
    def order(s: Support) -> tuple:
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


# --- building blocks --------------------------------------------------------------------------


def _add_work(graph: nx.MultiDiGraph, node: str, ref: Reference) -> None:
    work = ref.work if ref.match is not None and ref.match.status == "matched" else None
    title = (work.title if work and work.title else ref.title) or ref.raw[:120]
    year = ref.year or (work.year if work else None) or 0  # the printed year, as readers cite it
    first = (work.authors[0].family if work and work.authors else None) or (
        ref.authors[0].family if ref.authors else "")
    label = f"{first} {year}".strip() if first or year else title[:40]
    attrs = {"kind": "work", "label": label, "title": title, "year": year, "first_author": first,
             "doi": (ref.match.doi if work else None) or "", "reference": json.dumps(ref.to_dict(),
                                                                                   ensure_ascii=False)}
    if node in graph:
        graph.nodes[node].update({k: v for k, v in attrs.items() if v})
    else:
        graph.add_node(node, **attrs)


def _add_concept(graph: nx.MultiDiGraph, m: Mention) -> str:
    kind = "class" if m.kind == "class" else "therapy"
    node = f"{kind}:{m.name}"
    if node not in graph:
        graph.add_node(node, kind=kind, label=m.name, name=m.name, therapy_kind=m.kind, mesh=m.mesh or "",
                       drugbank=m.drugbank or "")
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
    placed = sorted((m for m in mentions if m.start is not None and m.where in ("body", "abstract", "text")),
                    key=lambda m: m.start)
    for i, m in enumerate(placed):
        limit = placed[i + 1].start if i + 1 < len(placed) else len(text)
        sentence = re.search(r"(?<!\b[A-Z][a-z])(?<!et al)[.!?](?:\s|$)", text[m.end: limit])
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


def query_table(result: QueryResult, width: int = 120) -> str:
    """The ranked supporting works as a readable table."""
    from rich.console import Console
    from rich.table import Table

    ids = " ".join(f"{k}:{v}" for k, v in result.ids.items())
    head = f"{result.therapy}" + (f" ({result.query})" if phrase_key(result.query) != phrase_key(
        result.therapy or "") else "") + (f"  {ids}" if ids else "")
    if not result.supports:
        return f"{head}: no cited work supports it in the graph"
    table = Table(title=f"{head}: {len(result.supports)} supporting works", title_justify="left")
    for column in ("#", "work", "DOI", "evidence", "cited by"):
        table.add_column(column, overflow="fold")
    for i, s in enumerate(result.supports, 1):
        evidence = "\n".join(f"{e['evidence']}: {e['detail']}" for e in s.evidence)
        cited = ", ".join(f"{c['article']} [{c['n']}]" for c in s.citing)
        table.add_row(str(i), f"{s.label}\n{s.title}", s.doi or "-", evidence, cited)
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False).print(table)
    return buffer.getvalue().rstrip("\n")
