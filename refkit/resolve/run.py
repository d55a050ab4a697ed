"""`refkit resolve` as a library call: parse each file, resolve, write refs/<stem>.json and .bib.

Outputs are written atomically (temporary file, then ``os.replace``), and written even when
the run is interrupted, with the references not reached marked ``error``.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from refkit.errors import RefkitError, cannot_write
from refkit.export.bibtex import to_bibtex
from refkit.graph import update_graph_for_article
from refkit.model import Article
from refkit.resolve.pipeline import (
    DEFAULT_MIN_CONFIDENCE,
    Resolver,
    default_sources,
    match_flags,
    resolve_article,
)
from refkit.settings import Settings


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise cannot_write(path, err) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise cannot_write(path, err) from None
        raise


def output_stem(path: str) -> str:
    return "stdin" if path == "-" else Path(path).stem


class ResolveRun:
    """One invocation: shared sources (so "Crossref unreachable" is said once), many files."""

    def __init__(
        self,
        settings: Settings,
        *,
        min_confidence: float | None = None,
        progress: bool = False,
        sources: list[Any] | None = None,
    ) -> None:
        self.settings = settings
        self.progress = progress and settings.progress
        self.resolver = Resolver(
            sources if sources is not None else default_sources(settings),
            min_confidence=DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence,
        )
        self.articles: dict[str, Article] = {}
        self.failures: list[str] = []  # one message per file that could not be read or written

    def run(self, files: list[str]) -> list[tuple[str, dict[str, Any]]]:
        """Resolve and write each file. A bad file does not stop the others: its one-line
        message goes to ``failures`` (see :meth:`check`) and the run goes on."""
        from refkit.parse import read_article

        results = []
        for name in files:
            try:
                article = read_article(name)
                self.articles[name] = article
                try:
                    self._resolve(article, name)
                finally:  # Ctrl-C or a crash: what was resolved is still written
                    doc = self.write(name, article)
            except RefkitError as err:
                self.failures.append(str(err))
                continue
            results.append((name, doc))
        return results

    def check(self, total: int) -> None:
        """Raise one RefkitError summing up the files that failed (after the good ones are out)."""
        if len(self.failures) == 1:
            suffix = f" ({total - 1} other file{'s' if total != 2 else ''} done)" if total > 1 else ""
            raise RefkitError(self.failures[0] + suffix)
        if self.failures:
            raise RefkitError(f"{len(self.failures)} of {total} files failed: " + "; ".join(self.failures))

    def _resolve(self, article: Article, name: str) -> None:
        if not self.progress or not article.references:
            resolve_article(article, self.settings, resolver=self.resolver)
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
            console=Console(stderr=True),  # results alone on stdout
        ) as bar:
            task = bar.add_task(f"resolving {Path(name).name}", total=len(article.references))
            resolve_article(
                article, self.settings, resolver=self.resolver, progress=lambda _ref: bar.advance(task)
            )

    def write(self, name: str, article: Article) -> dict[str, Any]:
        out = Path(self.settings.refs_dir)
        stem = output_stem(name)
        doc = article.to_dict()
        write_atomic(out / f"{stem}.json", json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        write_atomic(out / f"{stem}.bib", to_bibtex(article.references))
        # The workspace's evidence graph grows with every resolved article (refkit query reads it).
        update_graph_for_article(article, self.settings, warn=_warn)
        return doc

    def table(self, name: str) -> str:
        """A rich table (n, status, DOI, confidence, flags, reason) rendered to text."""
        from rich.console import Console
        from rich.table import Table

        article = self.articles[name]
        table = Table(title=f"{name}: {summary_line(article)}", title_justify="left")
        for column in ("n", "status", "DOI", "conf.", "flags", "reason"):
            table.add_column(column, overflow="fold")
        for ref in article.references:
            m = ref.match
            flags = " ".join(match_flags(ref))
            table.add_row(
                str(ref.n or ""),
                m.status if m else "-",
                (m.doi or "") if m else "",
                f"{m.confidence:.2f}" if m else "",
                flags,
                m.reason if m else "",
            )
        buffer = io.StringIO()
        Console(file=buffer, width=max(100, _terminal_width()), force_terminal=False).print(table)
        return buffer.getvalue().rstrip("\n")


def _warn(message: str) -> None:
    print(f"refkit: warning: {message}", file=sys.stderr)


def summary_line(article: Article) -> str:
    counts: dict[str, int] = {}
    for ref in article.references:
        status = ref.match.status if ref.match else "unresolved"
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


def _terminal_width() -> int:
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        return 140
