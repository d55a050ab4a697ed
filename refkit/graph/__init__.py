"""The evidence graph: which cited works back which therapy, and why.

``build`` turns one article into nodes and edges, ``store`` keeps a workspace's articles
(SQLite, one transaction per article) and exports node-link JSON, ``query`` answers
"which sources back tacrolimus use?", ``draw`` makes pictures and GraphML/DOT.
"""

from refkit.graph.build import (
    EVIDENCE_RANK,
    add_article,
    article_stem,
    fingerprint,
    forget_article,
    new_graph,
    work_key,
)
from refkit.graph.query import (
    QueryResult,
    Support,
    nearest_names,
    query_graph,
    resolve_therapy_name,
    supporting_references,
)
from refkit.graph.store import GRAPH_FILE, GraphStore, load_graph, merge_fragment, save_graph

__all__ = [
    "EVIDENCE_RANK",
    "GRAPH_FILE",
    "GraphStore",
    "QueryResult",
    "Support",
    "add_article",
    "article_stem",
    "fingerprint",
    "forget_article",
    "load_graph",
    "merge_fragment",
    "nearest_names",
    "new_graph",
    "query_graph",
    "resolve_therapy_name",
    "save_graph",
    "supporting_references",
    "work_key",
]
