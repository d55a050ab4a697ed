"""The evidence graph as a picture (SVG, PNG, a static HTML page) and in exchange formats
(GraphML, DOT). The interactive page is ``refkit.report`` (a layer above this one).

The picture reads left to right: drug classes, therapies, then the cited works; an edge's
style says its evidence (solid: the work's title names the therapy or the article cites it
there; dashed: its abstract does; dotted: it names a class that contains the therapy).
Therapies given in the case are filled, those only named are hollow.
"""

from __future__ import annotations

import html
import io
import json
from typing import Any

import networkx as nx

EVIDENCE_STYLE = {  # colour, line style, width, legend
    "direct": ("#1f4e9c", "-", 2.4, "title names the therapy"),
    "citation-context": ("#d9711c", "-", 2.0, "cited next to the therapy"),
    "abstract": ("#2a9d8f", "--", 1.6, "abstract names it"),
    "class": ("#8e6bb8", ":", 1.6, "title names its class"),
}
_DOT_STYLE = {"direct": "solid", "citation-context": "bold", "abstract": "dashed", "class": "dotted"}
MAX_UNLINKED_WORKS = 30


def draw(graph: nx.MultiDiGraph, fmt: str) -> bytes:
    """The picture as ``svg``, ``png`` or ``html`` bytes."""
    if fmt == "html":
        return _html(graph).encode("utf-8")
    return _figure(graph, fmt)


def to_graphml(graph: nx.MultiDiGraph) -> bytes:
    """GraphML with scalar attributes only (lists become JSON text, None empty)."""
    flat = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **_scalars(data))
    for u, v, k, data in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key=k, **_scalars(data))
    buffer = io.BytesIO()
    nx.write_graphml(flat, buffer, encoding="utf-8")
    return buffer.getvalue()


def to_dot(graph: nx.MultiDiGraph) -> bytes:
    """Graphviz DOT, written directly (no pydot needed), with the picture's styling."""
    lines = ["digraph evidence {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    shapes = {"article": "note", "work": "box", "therapy": "ellipse", "class": "hexagon"}
    for node, data in graph.nodes(data=True):
        label = data.get("label") or node
        if data.get("kind") == "work" and data.get("doi"):
            label = f"{label}\\n{data['doi']}"
        shape = shapes.get(data.get("kind"), "box")
        lines.append(f"  {_dot_id(node)} [label={_dot_str(label)}, shape={shape}];")
    for u, v, data in graph.edges(data=True):
        kind = data.get("type")
        attrs = {"label": data.get("evidence") or kind}
        if kind == "supports":
            colour, *_ = EVIDENCE_STYLE.get(data.get("evidence"), ("#555555",))
            attrs.update(color=colour, style=_DOT_STYLE.get(data.get("evidence"), "solid"))
        elif kind == "is_a":
            attrs.update(color="#999999", style="dashed")
        else:
            attrs.update(color="#bbbbbb")
        rendered = ", ".join(f"{k}={_dot_str(str(v))}" for k, v in attrs.items())
        lines.append(f"  {_dot_id(u)} -> {_dot_id(v)} [{rendered}];")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- the picture ----------------------------------------------------------------------------


def _layout(graph: nx.MultiDiGraph) -> dict[str, Any]:
    therapies = sorted((n for n, d in graph.nodes(data=True) if d.get("kind") == "therapy"),
                       key=lambda n: graph.nodes[n]["name"].casefold())
    linked = {v for _, v, d in graph.edges(data=True) if d.get("type") == "supports"}
    works = [n for n, d in graph.nodes(data=True) if d.get("kind") == "work"]
    if len(works) > MAX_UNLINKED_WORKS:
        works = [w for w in works if w in linked]
    works.sort(key=lambda n: (_first_n(graph, n), graph.nodes[n].get("label", "")))
    classes = sorted({v for u, v, d in graph.edges(data=True) if d.get("type") == "is_a" and u in therapies},
                     key=lambda n: n.casefold())
    rows = max(len(therapies), len(works), len(classes), 1)

    def column(nodes: list[str]) -> dict[str, float]:
        if not nodes:
            return {}
        step = rows / max(len(nodes), 1)
        return {n: rows - (i + 0.5) * step for i, n in enumerate(nodes)}

    pos = {}
    pos.update({n: (0.0, y) for n, y in column(classes).items()})
    pos.update({n: (1.0, y) for n, y in column(therapies).items()})
    pos.update({n: (2.0, y) for n, y in column(works).items()})
    return {"pos": pos, "therapies": therapies, "works": works, "classes": classes, "linked": linked,
            "rows": rows}


def _figure(graph: nx.MultiDiGraph, fmt: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    lay = _layout(graph)
    pos, rows = lay["pos"], lay["rows"]
    fig, ax = plt.subplots(figsize=(15, max(4.5, 0.5 * rows + 1.8)), dpi=110)
    ax.set_xlim(-0.75, 3.9)
    ax.set_ylim(-0.8, rows + 0.6)
    ax.axis("off")
    given = {v for _, v, d in graph.edges(data=True)
             if d.get("type") == "mentions" and d.get("given_in_case")}
    several = sum(1 for _, kind in graph.nodes(data="kind") if kind == "article") > 1

    for u, v, d in graph.edges(data=True):
        if u not in pos or v not in pos:
            continue
        (x1, y1), (x2, y2) = pos[u], pos[v]
        if d.get("type") == "is_a":
            ax.plot([x1, x2], [y1, y2], color="#c8c8c8", lw=0.8, zorder=1)
        elif d.get("type") == "supports":
            colour, style, width, _ = EVIDENCE_STYLE.get(d.get("evidence"), ("#555", "-", 1, ""))
            ax.annotate("", xy=(x2 - 0.03, y2), xytext=(x1 + 0.03, y1), zorder=2,
                        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": width, "linestyle": style,
                                    "shrinkA": 4, "shrinkB": 4, "connectionstyle": "arc3,rad=0.04"})
    for n in lay["classes"]:
        x, y = pos[n]
        ax.scatter([x], [y], s=130, marker="h", color="#e9e1f3", edgecolors="#8e6bb8", zorder=3)
        ax.text(x - 0.06, y, graph.nodes[n]["label"], ha="right", va="center", fontsize=9, color="#5b4480")
    for n in lay["therapies"]:
        x, y = pos[n]
        filled = n in given
        ax.scatter([x], [y], s=190, color="#3c8d4f" if filled else "white", edgecolors="#3c8d4f",
                   linewidths=1.8, zorder=3)
        data = graph.nodes[n]
        ax.text(x, y + 0.28, data["label"], ha="center", va="bottom", fontsize=10, weight="bold",
                color="#1d4d2a", zorder=4, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                                 "alpha": 0.85})
    for n in lay["works"]:
        x, y = pos[n]
        data = graph.nodes[n]
        linked = n in lay["linked"]
        ax.scatter([x], [y], s=110, marker="s", color="#fbe7c6" if linked else "#f0f0f0",
                   edgecolors="#b8860b" if linked else "#bbbbbb", zorder=3)
        head = _citations(graph, n, several)
        title = data.get("title", "")
        title = title if len(title) <= 62 else title[:60].rsplit(" ", 1)[0] + "…"
        ax.text(x + 0.06, y + 0.09, f"{head}{data.get('label', '')}", ha="left", va="bottom", fontsize=9.5,
                weight="bold" if linked else "normal", color="#222" if linked else "#999")
        ax.text(x + 0.06, y - 0.06, title + (f"  doi:{data['doi']}" if data.get("doi") and linked else ""),
                ha="left", va="top", fontsize=7.5, color="#444" if linked else "#aaa")
    for x, text in ((0.0, "drug classes"), (1.0, "therapies"), (2.0, "cited works")):
        ax.text(x, rows + 0.35, text, ha="center", va="bottom", fontsize=12, weight="bold", color="#333")
    articles = [d.get("label") for _, d in graph.nodes(data=True) if d.get("kind") == "article"]
    title = "Evidence graph: " + ("; ".join(a for a in articles if a) if len(articles) <= 2
                                  else f"{len(articles)} case reports")
    ax.set_title(title, fontsize=13, loc="left")
    legend = [Line2D([0], [0], color=c, lw=w, linestyle=s, label=t) for c, s, w, t in EVIDENCE_STYLE.values()]
    legend += [Line2D([0], [0], marker="o", color="w", markerfacecolor="#3c8d4f", markeredgecolor="#3c8d4f",
                      markersize=10, label="given in the case"),
               Line2D([0], [0], marker="o", color="w", markerfacecolor="white", markeredgecolor="#3c8d4f",
                      markersize=10, label="named only")]
    ax.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, -0.02), ncol=6, fontsize=8.5,
              frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    # SVG text as text, not glyph outlines: searchable, selectable, and read by screen readers.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _html(graph: nx.MultiDiGraph) -> str:
    from refkit.graph import query_graph

    svg = _figure(graph, "svg").decode("utf-8")
    svg = svg[svg.find("<svg"):]
    rows = []
    therapies = sorted(d["name"] for _, d in graph.nodes(data=True) if d.get("kind") == "therapy")
    for name in therapies:
        result = query_graph(graph, name)
        for s in result.supports:
            doi = f'<a href="https://doi.org/{html.escape(s.doi)}">{html.escape(s.doi)}</a>' if s.doi else ""
            evidence = "; ".join(f"{e['evidence']}: {e['detail']}" for e in s.evidence)
            cited = ", ".join(f"{c['article']} [{c['n']}]" for c in s.citing)
            rows.append(f"<tr><td>{html.escape(name)}</td><td>{html.escape(s.label)}</td>"
                        f"<td>{html.escape(s.title)}</td><td>{doi}</td><td>{html.escape(evidence)}</td>"
                        f"<td>{html.escape(cited)}</td></tr>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>refkit evidence graph</title>"
            "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ddd;padding:4px 8px;font-size:13px;vertical-align:top}"
            "th{background:#f4f4f4}svg{max-width:100%;height:auto}</style></head><body>"
            f"<h1>Evidence graph</h1>{svg}<h2>Therapies and their sources</h2><table>"
            "<tr><th>therapy</th><th>work</th><th>title</th><th>DOI</th><th>evidence</th>"
            "<th>cited by</th></tr>"
            + "".join(rows) + "</table></body></html>\n")


def _citations(graph: nx.MultiDiGraph, work: str, several: bool) -> str:
    """``[12] `` for a one-article graph; ``jkra-16-301 [12], case-2 [4] `` when there are several,
    so one article's [2] is not read as another's."""
    cited = sorted((graph.nodes[a].get("stem", a), d.get("n")) for a, _, d in graph.in_edges(work, data=True)
                   if d.get("type") == "cites" and d.get("n"))
    if not cited:
        return ""
    if not several:
        return f"[{min(n for _, n in cited)}] "
    shown = ", ".join(f"{stem} [{n}]" for stem, n in cited[:3])
    return shown + (f" +{len(cited) - 3}" if len(cited) > 3 else "") + "  "


def _first_n(graph: nx.MultiDiGraph, work: str) -> int:
    ns = [d.get("n") for _, _, d in graph.in_edges(work, data=True)
          if d.get("type") == "cites" and d.get("n")]
    return min(ns) if ns else 10**6


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in data.items():
        if v is None:
            out[k] = ""
        elif isinstance(v, (list, dict, tuple)):
            out[k] = json.dumps(v, ensure_ascii=False)
        else:
            out[k] = v
    return out


def _dot_id(node: str) -> str:
    return _dot_str(node)


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\\\\n", "\\n") + '"'
