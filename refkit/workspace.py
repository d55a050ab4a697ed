"""The workspace: the one place that runs the pipeline.

read → parse → resolve → write ``refs/<stem>.json`` and ``.bib`` → update the evidence store.
Stage packages never call each other upward; this module calls them in order, owns the run's
shared state (the sources, so "Crossref unreachable" is said once; the evidence store) and turns
what happened into data (:class:`FileOutcome`) for the CLI to print.

A workspace is a folder with ``refs/`` (outputs and the evidence store ``refs/refkit.sqlite``)
and, optionally, ``cache/`` (else the user's cache folder holds the catalog). Work records that
came with an article (``<stem>.works.jsonl``, ``<stem>.pubmed.xml`` beside ``<stem>.txt``) are
indexed into the local catalog before it is resolved.
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import networkx as nx

from refkit import __version__
from refkit.errors import RefkitError
from refkit.export.bibtex import to_bibtex
from refkit.fileio import write_atomic
from refkit.graph.query import (
    QueryResult,
    nearest_names,
    query_graph,
    resolve_therapy_name,
    supporting_references,
)
from refkit.graph.store import GRAPH_FILE, GraphStore, save_graph
from refkit.messages import warn
from refkit.model import Article, Reference
from refkit.parse import parse_article, read_article
from refkit.parse.sections import MAX_LINE
from refkit.parse.source import read_text
from refkit.resolve.catalog import LocalCatalog
from refkit.resolve.pipeline import DEFAULT_MIN_CONFIDENCE, Resolver, network_sources, resolve_article
from refkit.resolve.source import Source
from refkit.settings import Settings
from refkit.text import blank_long_lines

# Files of work records that travel with an article (same stem, beside it).
COMPANION_SUFFIXES = (".works.jsonl", ".pubmed.xml")
_ARTICLE_SUFFIXES = (".txt", ".xml", ".text", ".md")


class RunProgress(Protocol):
    """What a long run reports (the CLI draws it as a bar on stderr)."""

    def start(self, files: int) -> None: ...

    def file(self, index: int, name: str, references: int) -> None: ...

    def reference(self) -> None: ...

    def finish(self) -> None: ...


class _Quiet:
    def start(self, files: int) -> None:
        pass

    def file(self, index: int, name: str, references: int) -> None:
        pass

    def reference(self) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class FileOutcome:
    """What became of one input file."""

    name: str
    article: Article | None = None
    written: bool = False  # refs/<stem>.json and .bib were written this run
    error: str | None = None  # the one-line reason it could not be done
    skipped: bool = False  # current already (same input, same settings): nothing redone

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def document(self) -> dict[str, Any] | None:
        """What refs/<stem>.json holds (made on demand: a run of thousands keeps one copy)."""
        return self.article.to_dict() if self.article is not None and (self.written or self.skipped) else None


@dataclass
class RunSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    source_summaries: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [o.error for o in self.outcomes if o.error]

    @property
    def references_in_error(self) -> int:
        return sum(
            1
            for o in self.outcomes
            if o.article
            for r in o.article.references
            if r.match is not None and r.match.status == "error"
        )


def expand_inputs(items: Iterable[str]) -> list[str]:
    """Files named on the command line: a folder means its articles, a glob its matches."""
    found: list[str] = []
    for item in items:
        path = Path(item)
        if item != "-" and path.is_dir():
            inside = sorted(
                str(p)
                for p in path.iterdir()
                if p.is_file()
                and p.name.endswith(_ARTICLE_SUFFIXES)
                and not p.name.endswith(COMPANION_SUFFIXES)
            )
            if not inside:
                raise RefkitError(f"no article files (*.txt, *.xml) in the folder {item}")
            found += inside
        elif item != "-" and not path.exists() and any(c in item for c in "*?["):
            matches = sorted(glob.glob(item))
            if not matches:
                raise RefkitError(f"no file matches {item}")
            found += matches
        else:
            found.append(item)
    return found


def output_stem(name: str, article: Article | None = None, given: str | None = None) -> str:
    """The name outputs and the graph use: ``--name``; a file's stem; for stdin the article's title."""
    if given:
        return _slug(given) or "stdin"
    if name != "-":
        return Path(name).stem
    if article is not None and article.title:
        words, stem = _slug(article.title).split("-"), ""
        for word in words:  # whole words, at most 80 characters
            if len(stem) + len(word) + 1 > 80:
                break
            stem = f"{stem}-{word}" if stem else word
        return stem or "stdin"
    return "stdin"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


class Workspace:
    """A run over a workspace (``settings.refs_dir`` for outputs, ``settings.cache_dir`` for the
    catalog and caches). Sources open lazily and are shared by every file of the run."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        min_confidence: float | None = None,
        sources: Sequence[Source] | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.min_confidence = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
        self._sources = list(sources) if sources is not None else None
        self._resolver: Resolver | None = None
        self._store: GraphStore | None = None
        self._catalog: LocalCatalog | None = None
        self._changed = False  # the store took an article this run: graph.json is re-exported

    # -- the parts, opened when first needed ------------------------------------------------
    @property
    def catalog(self) -> LocalCatalog:
        if self._catalog is None:
            self._catalog = LocalCatalog(self.settings)
        return self._catalog

    def sources(self) -> list[Source]:
        if self._sources is None:
            self._sources = [self.catalog, *network_sources(self.settings)]
        return self._sources

    @property
    def resolver(self) -> Resolver:
        if self._resolver is None:
            not_asked = (
                ["Crossref and PubMed (offline)"]
                if self.settings.offline
                else ([] if self.settings.pubmed else ["PubMed (--no-pubmed)"])
            )
            self._resolver = Resolver(self.sources(), min_confidence=self.min_confidence, not_asked=not_asked)
        return self._resolver

    @property
    def store(self) -> GraphStore:
        if self._store is None:
            self._store = GraphStore(self.settings.refs_dir)
        return self._store

    def settings_hash(self) -> str:
        """What decides a resolution besides the input: refkit's version, sources, thresholds."""
        s = self.settings
        key = json.dumps(
            [
                __version__,
                s.offline,
                s.api_url,
                s.pubmed_url,
                s.pubmed,
                self.min_confidence,
                str(Path(s.cache_dir).resolve()),
            ]
        )
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def index_companions(self, name: str) -> int:
        """Index the work records that came with article ``name`` (same stem, beside it)."""
        if name == "-":
            return 0
        path = Path(name)
        stem = path.name.split(".")[0]
        files = [p for suffix in COMPANION_SUFFIXES for p in path.parent.glob(f"{stem}{suffix}")]
        return self.catalog.index_files(files) if files else 0

    # -- resolve ---------------------------------------------------------------------------------
    def resolve_files(
        self,
        files: Sequence[str],
        *,
        progress: RunProgress | None = None,
        refresh: bool = False,
        name: str | None = None,
    ) -> RunSummary:
        """Resolve and write each file. A bad file does not stop the others: its one-line reason
        is its outcome. Articles whose outputs are current are skipped unless ``refresh``."""
        progress = progress or _Quiet()
        summary = RunSummary()
        # Open the sources first: a damaged catalog stops the run here, in one line, before any
        # output (a good refs/<stem>.json of an earlier run) is overwritten.
        _ = self.resolver
        progress.start(len(files))
        try:
            for i, item in enumerate(files, 1):
                summary.outcomes.append(self._resolve_one(item, i, progress, refresh, name))
        finally:
            progress.finish()
            self._export_graph(summary)
        self._say_if_catalog_empty(summary)
        summary.source_summaries = [
            str(s.summary())
            for s in self.sources()
            if hasattr(s, "summary") and not getattr(s, "local", False) and s.summary()
        ]
        return summary

    def _resolve_one(
        self, item: str, index: int, progress: RunProgress, refresh: bool, name: str | None
    ) -> FileOutcome:
        outcome = FileOutcome(item)
        try:
            if item != "-" and not refresh and self._skip_if_current(item, name, outcome):
                progress.file(index, item, 0)
                return outcome
            article = read_article(item)
            input_hash = (
                _digest(Path(item).read_bytes()) if item != "-" else _digest(article.text.encode("utf-8"))
            )
            stem = output_stem(item, article, name)
            article.source = item if item != "-" else f"{stem}.txt"
            article.text = blank_long_lines(article.text, MAX_LINE)  # skipped by the parser: by all
            outcome.article = article
            for warning in article.warnings:
                if "skipped" in warning:  # a line dropped is news even when the rest resolves
                    warn(f"{item}: {warning}")
            self.index_companions(item)
            progress.file(index, item, len(article.references))
            try:
                resolve_article(article, resolver=self.resolver, progress=lambda _ref: progress.reference())
            finally:  # Ctrl-C or a crash: what was resolved is still written
                self.write(stem, article, input_hash=input_hash)
                outcome.written = True
        except RefkitError as err:
            outcome.error = str(err)
        return outcome

    def _skip_if_current(self, item: str, name: str | None, outcome: FileOutcome) -> bool:
        """Whether ``item``'s outputs are current (same text, same settings): then its saved
        document is the outcome, without parsing or resolving anything."""
        path = Path(item)
        stem = output_stem(item, None, name)
        saved = Path(self.settings.refs_dir) / f"{stem}.json"
        if not saved.is_file() or not path.is_file():
            return False
        try:
            input_hash = _digest(path.read_bytes())
        except OSError:
            return False  # read_article will say what is wrong with it
        if not self.store.is_current(stem, input_hash, self.settings_hash()):
            return False
        try:
            outcome.article = Article.from_dict(json.loads(saved.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return False
        outcome.skipped = True
        return True

    def _say_if_catalog_empty(self, summary: RunSummary) -> None:
        """Nothing found and nothing to find it in: say so once, with what to do."""
        unplaced = any(
            r.match is not None and r.match.status in ("error", "unmatched")
            for o in summary.outcomes
            if o.article and not o.skipped
            for r in o.article.references
        )
        if unplaced and self._catalog is not None and not self._catalog.stats()["works"]:
            online = "" if self.settings.offline else " (and the network sources could not be asked)"
            warn(
                f"the local catalog {self._catalog.path} is empty{online}: import records with "
                f"`refkit catalog import FILE`, or resolve online",
                once=True,
            )

    def write(self, stem: str, article: Article, *, input_hash: str | None = None) -> dict[str, Any]:
        """Write ``refs/<stem>.json`` and ``.bib`` (atomically), then the article's evidence."""
        out = Path(self.settings.refs_dir)
        doc = article.to_dict()
        write_atomic(out / f"{stem}.json", json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        write_atomic(out / f"{stem}.bib", to_bibtex(article.references))
        self.store.put_article(article, input_hash=input_hash, settings_hash=self.settings_hash())
        self._changed = True
        return doc

    def _export_graph(self, summary: RunSummary) -> None:
        """``refs/graph.json`` once at the end of a run that changed the store (an export for
        other tools; refkit itself reads the store)."""
        if not self._changed:
            return
        try:
            save_graph(self.store.graph(), Path(self.settings.refs_dir) / GRAPH_FILE)
        except RefkitError as err:
            warn(f"could not write {GRAPH_FILE}: {err}")

    # -- export ------------------------------------------------------------------------------
    def load_article(self, path: str) -> Article:
        """A refs/<stem>.json as it was saved, or an article file parsed and resolved now."""
        text = read_text(path)
        doc = refs_document(text)
        if doc is not None:
            try:
                return Article.from_dict(doc)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                why = f"{type(err).__name__}: {err}"
                raise RefkitError(f"{path}: not a refkit references file ({why})") from None
        if text.lstrip().startswith(("{", "[")):
            raise RefkitError(f'{path} is JSON without a "references" list (expected refs/<stem>.json)')
        article = parse_article(text, source=path)
        article.text = blank_long_lines(article.text, MAX_LINE)
        if not article.references:
            skipped = [w for w in article.warnings if w.startswith("line ") and "skipped" in w]
            hint = f" ({skipped[0]})" if skipped else ""
            raise RefkitError(f"no reference section found in {path}{hint}")
        self.index_companions(path)
        resolve_article(article, resolver=self.resolver)
        return article

    # -- the evidence graph --------------------------------------------------------------------
    def existing_store(self) -> GraphStore:
        """The store, which must exist already (query, graph, report read; they never build)."""
        if self._store is None:
            refs = Path(self.settings.refs_dir)
            if not (refs / "refkit.sqlite").exists():
                raise RefkitError(
                    f"no evidence graph in {refs}: run `refkit resolve FILE` first "
                    f"(or give --out-dir where you resolved)"
                )
            self._store = GraphStore(refs)
        return self._store

    def graph(self) -> nx.MultiDiGraph:
        store = self.existing_store()
        if not len(store):
            raise RefkitError(
                f"the evidence graph in {self.settings.refs_dir} is empty: run `refkit resolve FILE` first"
            )
        return store.graph()

    def query(self, therapy: str) -> QueryResult:
        """Which works back ``therapy``: answered from the store's indexed rows."""
        store = self.existing_store()
        names = store.therapy_names()
        index = nx.MultiDiGraph()
        index.add_nodes_from((f"therapy:{n}", {"kind": "therapy", "name": n}) for n in names)
        name = resolve_therapy_name(index, therapy)
        if name is None:
            return QueryResult(therapy, None, suggestions=nearest_names(index, therapy))
        return query_graph(store.subgraph_for(name), name, query=therapy)

    def query_references(self, result: QueryResult) -> list[Reference]:
        """The works of a query's answer as References (for the exporters)."""
        if not result.therapy:
            return []
        return supporting_references(self.existing_store().subgraph_for(result.therapy), result)

    def close(self) -> None:
        for source in self._sources or []:
            close: Callable[[], None] | None = getattr(source, "close", None)
            if close is not None and source is not self._catalog:
                close()
        if self._catalog is not None:
            self._catalog.close()
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def refs_document(text: str) -> dict[str, Any] | None:
    """The parsed document if ``text`` is refkit's JSON (an object with "references"), else None."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get("references"), list):
        return doc
    return None


__all__ = [
    "FileOutcome",
    "RunProgress",
    "RunSummary",
    "Workspace",
    "expand_inputs",
    "output_stem",
    "refs_document",
]
