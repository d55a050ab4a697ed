"""The workspace's evidence store: one SQLite file, updated one article per transaction.

Each article's contribution to the graph (its node, citations, mentions, evidence) is kept as a
node-link *fragment*, and the rows a query needs (which works support which therapy) are kept in
indexed tables beside it. So:

- adding or replacing an article costs the same whatever the workspace holds (no rewrite of one
  big file), and two ``refkit resolve`` runs at once cannot lose each other's articles: SQLite
  serialises their transactions (WAL, busy timeout);
- ``refkit query`` reads a handful of rows, not the whole graph;
- the whole graph (for pictures, the report, ``graph.json`` / GraphML exports) is the union of
  the fragments, built on demand.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from refkit.errors import RefkitError
from refkit.fileio import open_sqlite_waiting, set_aside, sqlite_damaged, write_atomic
from refkit.graph.build import add_article, add_support, article_stem, new_graph
from refkit.messages import warn
from refkit.model import Article

STORE_FILE = "refkit.sqlite"
_BUSY_TIMEOUT_S = 60.0
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    stem TEXT PRIMARY KEY,
    source TEXT,
    title TEXT,
    input_hash TEXT,        -- the input file's content hash: a rerun skips what is current
    settings_hash TEXT,     -- what resolved it (sources, thresholds): a change re-resolves
    fragment TEXT NOT NULL  -- node-link JSON of what this article adds to the graph
);
CREATE TABLE IF NOT EXISTS supports (
    therapy TEXT NOT NULL, work TEXT NOT NULL, evidence TEXT NOT NULL, detail TEXT, article TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS supports_therapy ON supports(therapy);
CREATE INDEX IF NOT EXISTS supports_article ON supports(article);
CREATE TABLE IF NOT EXISTS cites (article TEXT NOT NULL, n INTEGER, work TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cites_work ON cites(work);
CREATE INDEX IF NOT EXISTS cites_article ON cites(article);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT NOT NULL, article TEXT NOT NULL, attrs TEXT NOT NULL, PRIMARY KEY (id, article)
);
-- replacing an article deletes its rows by article: without these, each replace scans the table
CREATE INDEX IF NOT EXISTS nodes_article ON nodes(article);
"""


class GraphStore:
    """The evidence store of one workspace (``<refs_dir>/refkit.sqlite``)."""

    def __init__(self, refs_dir: Path | str, *, create: bool = True) -> None:
        self.path = Path(refs_dir) / STORE_FILE
        if not create and not self.path.exists():
            raise RefkitError(f"no evidence graph in {Path(refs_dir)}: run `refkit resolve FILE` first")
        self._lock = threading.Lock()
        self._rebuild = False
        self._db = self._open()
        if self._rebuild:
            self.rebuild()

    def rebuild(self) -> int:
        """Fill the store from the resolved articles beside it (``refs/<stem>.json``): every
        outcome is data, so a lost store loses nothing. Returns how many were read."""
        count = 0
        for path in sorted(self.path.parent.glob("*.json")):
            if path.name == GRAPH_FILE:
                continue
            try:
                article = Article.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                warn(f"skipping {path}: not a resolved article")
                continue
            article.source = article.source or path.name
            self.put_article(article)
            count += 1
        return count

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                return self._connect()
            except sqlite3.DatabaseError as err:
                if not sqlite_damaged(err):  # locked too long, read-only, disk full: not the file's fault
                    raise
                return self._replace_damaged(err)
        except sqlite3.Error as err:
            raise RefkitError(f"cannot open the evidence store {self.path}: {err}") from None
        except OSError as err:
            raise RefkitError(f"cannot open the evidence store {self.path}: {err.strerror or err}") from None

    def _replace_damaged(self, err: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Keep a damaged store aside and start a fresh one, filled from refs/*.json after open."""
        kept = set_aside(self.path)
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        warn(
            f"the evidence store {self.path} is damaged ({err}); kept it as {kept.name} and "
            f"rebuilt it from {self.path.parent}/*.json"
        )
        self._rebuild = True
        return self._connect()

    def _connect(self) -> sqlite3.Connection:
        """A checked connection to the store, its tables made; raises when the file is damaged.

        While another process is creating the same file, a busy file is waited for (see
        :func:`open_sqlite_waiting`) rather than taken for a damaged one.
        """
        return open_sqlite_waiting(self._connect_once, _BUSY_TIMEOUT_S)

    def _connect_once(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, check_same_thread=False,
                             isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            problem = db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if problem != "ok":
                err = sqlite3.DatabaseError(problem)
                err.sqlite_errorcode = sqlite3.SQLITE_CORRUPT  # type: ignore[attr-defined]  # as SQLite says it
                raise err
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise RefkitError(f"the evidence store {self.path} is from another refkit (schema {version})")
            with db:
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return db
        except BaseException:
            db.close()
            raise

    # -- writing ---------------------------------------------------------------------------
    def put_article(
        self, article: Article, *, input_hash: str | None = None, settings_hash: str | None = None
    ) -> str:
        """Replace what ``article`` contributed, in one transaction; returns its stem."""
        stem = article_stem(article)
        fragment = add_article(new_graph(), article)
        doc = json.dumps(nx.node_link_data(fragment, edges="edges"), ensure_ascii=False)
        supports = [
            (u.split(":", 1)[1], v, d["evidence"], d.get("detail", ""), stem)
            for u, v, d in fragment.edges(data=True)
            if d.get("type") == "supports"
        ]
        cites = [(stem, d.get("n"), v) for _, v, d in fragment.edges(data=True) if d.get("type") == "cites"]
        nodes = [
            (n, stem, json.dumps(d, ensure_ascii=False))
            for n, d in fragment.nodes(data=True)
            if d.get("kind") in ("work", "therapy", "class")
        ]
        with self._using():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for table in ("supports", "cites", "nodes"):
                    self._db.execute(f"DELETE FROM {table} WHERE article = ?", (stem,))
                self._db.execute(
                    "INSERT OR REPLACE INTO articles"
                    "(stem, source, title, input_hash, settings_hash, fragment) VALUES (?, ?, ?, ?, ?, ?)",
                    (stem, article.source, article.title, input_hash, settings_hash, doc),
                )
                self._db.executemany("INSERT INTO supports VALUES (?, ?, ?, ?, ?)", supports)
                self._db.executemany("INSERT INTO cites VALUES (?, ?, ?)", cites)
                self._db.executemany("INSERT INTO nodes VALUES (?, ?, ?)", nodes)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return stem

    def forget(self, stem: str) -> None:
        with self._using():
            self._db.execute("BEGIN IMMEDIATE")
            for table in ("supports", "cites", "nodes"):
                self._db.execute(f"DELETE FROM {table} WHERE article = ?", (stem,))
            self._db.execute("DELETE FROM articles WHERE stem = ?", (stem,))
            self._db.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------------
    def is_current(self, stem: str, input_hash: str, settings_hash: str) -> bool:
        """Whether ``stem`` was stored from this very input with these very settings."""
        with self._using():
            row = self._db.execute(
                "SELECT input_hash, settings_hash FROM articles WHERE stem = ?", (stem,)
            ).fetchone()
        return row is not None and row[0] == input_hash and row[1] == settings_hash

    def articles(self) -> list[str]:
        with self._using():
            return [r[0] for r in self._db.execute("SELECT stem FROM articles ORDER BY stem")]

    def __len__(self) -> int:
        with self._using():
            return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def therapy_names(self) -> list[str]:
        with self._using():
            return [
                r[0]
                for r in self._db.execute(
                    "SELECT DISTINCT json_extract(attrs, '$.name') FROM nodes WHERE id LIKE 'therapy:%'"
                )
            ]

    def subgraph_for(self, therapy: str) -> nx.MultiDiGraph:
        """The part of the graph a query about ``therapy`` reads: the therapy, the works that
        support it, their citing articles, the therapy's classes — from indexed rows only."""
        graph = new_graph()
        with self._using():
            rows = self._db.execute(
                "SELECT work, evidence, detail, article FROM supports WHERE therapy = ?", (therapy,)
            ).fetchall()
            node = f"therapy:{therapy}"
            ids = {node} | {r[0] for r in rows}
            attrs = self._node_attrs(ids)
            cites = (
                self._db.execute(
                    f"SELECT article, n, work FROM cites WHERE work IN ({','.join('?' * len(ids))})",
                    tuple(ids),
                ).fetchall()
                if ids
                else []
            )
        for n, data in attrs.items():
            graph.add_node(n, **data)
        for work, evidence, detail, article in rows:
            add_support(graph, node, work, evidence, detail, article)
        for article, n, work in cites:
            art = f"article:{article}"
            if art not in graph:
                graph.add_node(art, kind="article", stem=article, label=article)
            graph.add_edge(art, work, key=f"cites:{article}", type="cites", n=n, article=article)
        return graph

    def _node_attrs(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        """Node attributes merged over the articles that contributed the node (verified first)."""
        merged: dict[str, dict[str, Any]] = {}
        if not ids:
            return merged
        rows = self._db.execute(
            f"SELECT id, attrs FROM nodes WHERE id IN ({','.join('?' * len(ids))})", tuple(ids)
        ).fetchall()
        for node, text in rows:
            _merge_attrs(merged.setdefault(node, {}), json.loads(text))
        return merged

    def fragments(self) -> Iterator[nx.MultiDiGraph]:
        with self._using():
            docs = [r[0] for r in self._db.execute("SELECT fragment FROM articles ORDER BY stem")]
        for doc in docs:
            yield nx.node_link_graph(json.loads(doc), directed=True, multigraph=True, edges="edges")

    def graph(self) -> nx.MultiDiGraph:
        """The whole evidence graph: every article's fragment, merged."""
        graph = new_graph()
        for fragment in self.fragments():
            merge_fragment(graph, fragment)
        return graph

    @contextlib.contextmanager
    def _using(self) -> Iterator[None]:
        """The store to this thread; a SQLite failure (disk full, locked past the timeout, damage
        found mid-run) becomes one clear error, not a traceback. What was committed stays."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as err:
                raise RefkitError(f"the evidence store {self.path} cannot be used: {err}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _merge_attrs(held: dict[str, Any], new: dict[str, Any]) -> None:
    if held.get("verified") and not new.get("verified"):
        new = {k: v for k, v in new.items() if k not in ("title", "reference", "verified", "doi")}
    held.update({k: v for k, v in new.items() if v not in (None, "", []) or k not in held})


def merge_fragment(graph: nx.MultiDiGraph, fragment: nx.MultiDiGraph) -> None:
    """Add one article's fragment to ``graph``: shared nodes merge, evidence lists unite."""
    for node, data in fragment.nodes(data=True):
        if node in graph:
            _merge_attrs(graph.nodes[node], dict(data))
        else:
            graph.add_node(node, **data)
    for u, v, k, data in fragment.edges(keys=True, data=True):
        if graph.has_edge(u, v, k):
            held = graph.edges[u, v, k]
            if data.get("type") == "supports":
                held["articles"] = sorted(set(held.get("articles", [])) | set(data.get("articles", [])))
                for part in str(data.get("detail", "")).split("; "):
                    if part and part not in held.get("detail", ""):
                        held["detail"] = f"{held['detail']}; {part}" if held.get("detail") else part
        else:
            graph.add_edge(u, v, key=k, **data)


# --- node-link JSON: the exported graph --------------------------------------------------------

GRAPH_FILE = "graph.json"


def save_graph(graph: nx.MultiDiGraph, path: Path | str) -> Path:
    """Write node-link JSON atomically (what Gephi, Cytoscape and networkx read)."""
    data = nx.node_link_data(graph, edges="edges")
    return write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def load_graph(path: Path | str) -> nx.MultiDiGraph:
    """A graph refkit wrote as node-link JSON; RefkitError for anything else."""
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
