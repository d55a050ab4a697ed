"""The report a librarian sends to an author: one self-contained HTML file.

``build_report(articles, graph)`` gives each article's references (status, DOI/PMID links,
confidence, the reason, cited-vs-record discrepancies, retraction/correction flags), the
therapies each case names (doses, whether given), and the evidence graph as an interactive
view: filter by article and by therapy, hover for the evidence, click a work to reach its
reference, search across everything. Every style and script is inline (``report.css``,
``report.js`` beside this file, plain browser JavaScript, no library); the page fetches
nothing, so it opens the same offline, from a mail attachment, or years later.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

import networkx as nx

from refkit.model import Article, Reference

MAX_NODES = 300  # above this a graph is unreadable on a page: the busiest therapies and works stay
TOP_THERAPIES = 40
TOP_WORKS = 150
# The browser itself refuses any fetch: the page may only use what it carries inline.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def build_report(articles: list[Article], graph: nx.MultiDiGraph, *, title: str | None = None) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    from refkit.graph import article_stem

    heading = title or ("refkit report: " + "; ".join(a.title or article_stem(a) for a in articles)
                        if len(articles) <= 2 else f"refkit report: {len(articles)} case reports")
    data = graph_data(graph)
    sections = [_article_section(a, article_stem(a), graph) for a in articles]
    css = resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")
    js = resources.files(__package__).joinpath("report.js").read_text(encoding="utf-8")
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    note = (f"<p class='note'>The graph has {data['total_nodes']} nodes; shown are the "
            f"{data['shown_therapies']} therapies and {data['shown_works']} works with the most evidence.</p>"
            if data["aggregated"] else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(heading)}</title><style>{css}</style></head>
<body>
<header><h1>{_e(heading)}</h1>
<input id="search" type="search" placeholder="Search references, works, therapies…"
 aria-label="search"></header>
<section id="graph-section"><h2>Evidence graph</h2>
<div class="controls">
<label>Article <select id="filter-article"><option value="">all</option></select></label>
<label>Therapy <select id="filter-therapy"><option value="">all</option></select></label>
<span id="graph-count"></span></div>{note}
<div id="graph"><svg id="graph-svg" xmlns="http://www.w3.org/2000/svg" role="img"
 aria-label="evidence graph"></svg><div id="tooltip" hidden></div></div>
<p class="legend"><span class="k direct">title names it</span>
<span class="k citation-context">cited next to it</span>
<span class="k abstract">abstract names it</span><span class="k class">title names its class</span>
<span class="k given">given in the case</span></p></section>
{''.join(sections)}
<footer>Made by refkit. Unverified references carry the citation as printed; check them by hand.</footer>
<script type="application/json" id="graph-data">{payload}</script>
<script>{js}</script>
</body></html>
"""


def graph_data(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The graph as the page's script reads it: nodes (with who cites each work) and edges,
    aggregated to the busiest therapies and works when it has more than ``MAX_NODES`` nodes."""
    therapies = [n for n, d in graph.nodes(data=True) if d.get("kind") == "therapy"]
    works = [n for n, d in graph.nodes(data=True) if d.get("kind") == "work"]
    articles = [n for n, d in graph.nodes(data=True) if d.get("kind") == "article"]
    aggregated = graph.number_of_nodes() > MAX_NODES
    supports = [(u, v, d) for u, v, d in graph.edges(data=True) if d.get("type") == "supports"]
    if aggregated:
        by_therapy: dict[str, int] = {}
        by_work: dict[str, int] = {}
        for u, v, _ in supports:
            by_therapy[u] = by_therapy.get(u, 0) + 1
            by_work[v] = by_work.get(v, 0) + 1
        therapies = sorted(by_therapy, key=lambda n: (-by_therapy[n], n))[:TOP_THERAPIES]
        kept = set(therapies)
        by_work = {w: c for w, c in by_work.items() if any(u in kept for u, v, _ in supports if v == w)}
        works = sorted(by_work, key=lambda n: (-by_work[n], n))[:TOP_WORKS]
    keep = set(therapies) | set(works) | set(articles)
    given: dict[str, list[str]] = {}
    for u, v, d in graph.edges(data=True):
        if d.get("type") == "mentions" and d.get("given_in_case"):
            given.setdefault(v, []).append(graph.nodes[u].get("stem", u))
    nodes = []
    for n in articles + sorted(therapies, key=lambda n: graph.nodes[n].get("name", n).casefold()) + works:
        d = graph.nodes[n]
        node: dict[str, Any] = {"id": n, "kind": d.get("kind"), "label": d.get("label") or n,
                                "title": d.get("title") or "", "doi": d.get("doi") or ""}
        if d.get("kind") == "article":
            node["stem"] = d.get("stem") or n.split(":", 1)[-1]
        if d.get("kind") == "work":
            # an unverified work's DOI is the one its citation prints: the page says so
            node["verified"] = bool(d.get("verified", bool(node["doi"])))
            node["pmid"] = d.get("pmid") or ""
            node["cited"] = sorted(({"article": graph.nodes[a].get("stem", a), "n": e.get("n")}
                                    for a, _, e in graph.in_edges(n, data=True) if e.get("type") == "cites"),
                                   key=lambda c: (c["article"], c["n"] or 0))
        if d.get("kind") == "therapy":
            node["given"] = sorted(given.get(n, []))
        nodes.append(node)
    edges = []
    for u, v, d in graph.edges(data=True):
        if u not in keep or v not in keep or d.get("type") not in ("cites", "supports", "mentions"):
            continue
        edges.append({"source": u, "target": v, "type": d["type"], "evidence": d.get("evidence") or "",
                      "detail": d.get("detail") or "", "articles": list(d.get("articles") or []),
                      "n": d.get("n"), "doses": d.get("doses") or ""})
    return {"nodes": nodes, "edges": edges, "aggregated": aggregated, "total_nodes": graph.number_of_nodes(),
            "shown_therapies": len(therapies), "shown_works": len(works)}


def articles_from_graph(graph: nx.MultiDiGraph) -> list[Article]:
    """The articles a graph holds, each with the references it cites (as stored on the work
    nodes, numbered as that article numbers them): what a report needs when only the graph is
    at hand (``refkit graph -f html``)."""
    articles = []
    for node, data in graph.nodes(data=True):
        if data.get("kind") != "article":
            continue
        stem = data.get("stem") or node.split(":", 1)[-1]
        refs = []
        for _, work, edge in graph.out_edges(node, data=True):
            if edge.get("type") != "cites":
                continue
            stored = graph.nodes[work].get("reference")
            try:
                ref = Reference.from_dict(json.loads(stored)) if stored else None
            except (ValueError, TypeError, KeyError, AttributeError):
                ref = None
            if ref is None:
                w = graph.nodes[work]
                ref = Reference(raw=w.get("title") or w.get("label") or work, title=w.get("title"))
            ref.n = edge.get("n") if edge.get("n") is not None else ref.n
            refs.append(ref)
        refs.sort(key=lambda r: r.n if r.n is not None else 10**6)
        articles.append(Article(source=stem, title=data.get("title") or data.get("label") or stem,
                                doi=data.get("doi") or None, references=refs))
    return sorted(articles, key=lambda a: a.source or "")


# --- the article sections ----------------------------------------------------------------------------
def _article_section(article: Article, stem: str, graph: nx.MultiDiGraph) -> str:
    counts: dict[str, int] = {}
    for ref in article.references:
        status = ref.match.status if ref.match else "unresolved"
        counts[status] = counts.get(status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    rows = "".join(_reference_row(ref, stem) for ref in article.references)
    return f"""<section class="article" id="article-{_e(stem)}" data-article="{_e(stem)}">
<h2>{_e(article.title or stem)}</h2>
<p class="meta">{_e(stem)} · {len(article.references)} references · {_e(summary)}</p>
{_therapies_table(stem, graph)}
<h3>References</h3>
<div class="refs"><table><thead><tr><th>#</th><th>reference as cited</th><th>status</th><th>identifiers</th>
<th>conf.</th><th>reason, discrepancies, notices</th></tr></thead><tbody>{rows}</tbody></table></div>
</section>
"""


def _reference_row(ref: Reference, stem: str) -> str:
    from refkit.export.record import UPDATE_LABELS, identifiers, update_notices

    m = ref.match
    status = m.status if m else "unresolved"
    doi = m.doi if m and m.status == "matched" and m.doi else None
    links = []
    if doi:
        links.append(f'<a href="https://doi.org/{_e(doi)}">{_e(doi)}</a>')
    elif ref.doi:
        printed = _e(ref.doi)
        links.append(f'<a href="https://doi.org/{printed}">{printed}</a> <em>(printed, unverified)</em>')
    pmid, pmcid = identifiers(ref)
    if pmid:
        links.append(f'PMID <a href="https://pubmed.ncbi.nlm.nih.gov/{_e(pmid)}/">{_e(pmid)}</a>')
    if pmcid:
        links.append(f'<a href="https://www.ncbi.nlm.nih.gov/pmc/articles/{_e(pmcid)}/">{_e(pmcid)}</a>')
    notes = [f"<div>{_e(m.reason)}</div>"] if m and m.reason else []
    for d in ref.discrepancies:
        notes.append(f"<div class='disc'>{_e(d.get('field', ''))}: cited <b>{_e(d.get('cited'))}</b>, "
                     f"record <b>{_e(d.get('record'))}</b></div>")
    for u in update_notices(ref):
        label = UPDATE_LABELS.get(str(u.get("type") or "").lower(), "UPDATED")
        loud = label != "CORRECTED"  # a retraction, withdrawal or concern: the author must act
        notes.append(f"<div class='notice{' loud' if loud else ''}'>{_e(label)}"
                     f"{' ' + _e(u.get('doi')) if u.get('doi') else ''}</div>")
    conf = f"{m.confidence:.2f}" if m else ""
    return (f'<tr id="ref-{_e(stem)}-{ref.n}" class="{_e(status)}"><td>{ref.n or ""}</td>'
            f"<td>{_e(ref.raw)}</td><td><span class='status {_e(status)}'>{_e(status)}</span></td>"
            f"<td>{'<br>'.join(links)}</td><td>{conf}</td><td>{''.join(notes)}</td></tr>")


def _therapies_table(stem: str, graph: nx.MultiDiGraph) -> str:
    art = f"article:{stem}"
    if art not in graph:
        return ""
    rows = []
    for _, node, d in graph.out_edges(art, data=True):
        if d.get("type") != "mentions":
            continue
        data = graph.nodes[node]
        backing = {v for _, v, e in graph.out_edges(node, data=True) if e.get("type") == "supports"
                   and stem in e.get("articles", [])}
        refs = sorted(e.get("n") for w in backing for a, _, e in graph.in_edges(w, data=True)
                      if a == art and e.get("type") == "cites" and e.get("n"))
        links = ", ".join(f'<a href="#ref-{_e(stem)}-{n}">[{n}]</a>' for n in refs)
        rows.append((not d.get("given_in_case"), data.get("label", node),
                     f"<tr><td>{_e(data.get('label', node))}</td>"
                     f"<td>{_e(data.get('therapy_kind') or '')}</td>"
                     f"<td>{'given' if d.get('given_in_case') else 'named'}</td><td>{_e(d.get('doses'))}</td>"
                     f"<td>{_e(d.get('where'))}</td><td>{links}</td></tr>"))
    if not rows:
        return ""
    body = "".join(r for *_, r in sorted(rows))
    return ("<h3>Therapies</h3><div class='therapies'><table><thead><tr><th>therapy</th><th>kind</th>"
            "<th>in the case</th><th>doses</th><th>where</th><th>supporting references</th></tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)
