"""Command line: parses options and prints. All logic lives in the library.

Each subcommand owns one section below (parse, resolve, catalog, export, therapies,
query, graph). Results go to stdout; progress bars, warnings and errors go to stderr.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import click

from refkit import __version__, render
from refkit.errors import RefkitError
from refkit.resolve.confidence import DECISION
from refkit.settings import Settings

DEFAULT_ACCEPT = DECISION.accept


class _Group(click.Group):
    """Turns RefkitError (and a stray crash) into a one-line message and an exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except RefkitError as err:
            click.echo(f"refkit: error: {err}", err=True)
            sys.exit(err.exit_code)
        except click.BadParameter as err:
            # A path option naming the wrong kind of thing (a file as --out-dir) is bad input,
            # said in one line like the rest; other usage errors keep click's usage hint.
            if err.param is None or not isinstance(err.param.type, click.Path):
                raise
            click.echo(f"refkit: error: {err.format_message()}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("refkit: interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="refkit")
def main() -> None:
    """refkit: turn a case report's references into a verified, linked bibliography.

    \b
    Typical use:
      refkit parse article.txt              the article's parts and its references
      refkit resolve article.txt            find and verify each reference's DOI
      refkit export article.txt -f bibtex   BibTeX / RIS / CSL-JSON / text
      refkit therapies article.txt          drugs and procedures in the case
      refkit query tacrolimus               which sources back tacrolimus use
    """


def _format_option(choices: list[str], default: str, help: str) -> Any:
    """``-f/--format`` as every command has it."""
    return click.option(
        "--format", "-f", "fmt", type=click.Choice(choices), default=default, show_default=True, help=help
    )


# --- parse -------------------------------------------------------------------------------
@main.command("parse", short_help="the article's parts and its references")
@click.argument("file")  # checked by refkit.parse.source, so every bad input gets the same one-line error
@_format_option(["table", "json"], "table", "A readable table, or the JSON shape documented in the README.")
def parse_cmd(file: str, fmt: str) -> None:
    """Split FILE into the article's parts (title, authors, captions) and its references.

    FILE is a case report pasted as plain text (UTF-8, or UTF-16 with a byte-order mark), its
    JATS XML, or '-' for standard input. Warnings (skipped lines, odd references) go to stderr.

    \b
    Examples:
      refkit parse article.txt
      refkit parse article.xml -f json > article.json
      cat article.txt | refkit parse -
    """
    import json

    from refkit.parse import read_article

    article = read_article(file)
    for warning in article.warnings:
        click.echo(f"refkit: warning: {warning}", err=True)
    if fmt == "json":
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render.article_table(article, render.terminal_width(sys.stdout)))


# --- resolve -----------------------------------------------------------------------------
def _resolver_options(command: Any) -> Any:
    """The options every command that resolves references shares (resolve, export, report),
    turned into one ``settings`` argument; unset flags leave the environment's values in place."""

    @functools.wraps(command)
    def with_settings(
        *args: Any,
        offline: bool,
        api_url: str | None,
        mailto: str | None,
        cache_dir: str | None,
        pubmed_url: str | None,
        ncbi_api_key: str | None,
        no_pubmed: bool,
        **kwargs: Any,
    ) -> Any:
        settings = Settings(offline=offline)
        for name, value in (
            ("api_url", api_url),
            ("mailto", mailto),
            ("pubmed_url", pubmed_url),
            ("ncbi_api_key", ncbi_api_key),
        ):
            if value:
                setattr(settings, name, value)
        if cache_dir:
            settings.cache_dir = Path(cache_dir)
        settings.pubmed = not no_pubmed
        return command(*args, settings=settings, **kwargs)

    options = [
        click.option("--offline", is_flag=True, help="Use the local catalog only; never touch the network."),
        click.option(
            "--min-confidence",
            type=click.FloatRange(0.0, 1.0),
            default=None,
            help=f"Accept a match only at this confidence or above (default {DEFAULT_ACCEPT:g}, "
            "from the fitted model's held-out precision).",
        ),
        click.option(
            "--api-url",
            default=None,
            help="Crossref API base URL (env REFKIT_CROSSREF_URL; default https://api.crossref.org).",
        ),
        click.option(
            "--mailto",
            default=None,
            help="Contact address for Crossref's polite pool and NCBI's email= (env REFKIT_MAILTO).",
        ),
        click.option(
            "--pubmed-url",
            default=None,
            help="NCBI E-utilities base URL (env REFKIT_PUBMED_URL; default "
            "https://eutils.ncbi.nlm.nih.gov/entrez/eutils).",
        ),
        click.option(
            "--ncbi-api-key",
            default=None,
            help="NCBI API key: 10 requests/s instead of 3 (env NCBI_API_KEY).",
        ),
        click.option(
            "--no-pubmed", is_flag=True, help="Do not ask PubMed (Crossref and the local catalog only)."
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False),
            default=None,
            help="Response caches and local catalog (default ./cache if present, else ~/.cache/refkit).",
        ),
    ]
    for option in reversed(options):
        with_settings = option(with_settings)
    return with_settings


@main.command("resolve", short_help="find and verify each reference's DOI and PMID")
@click.argument("files", nargs=-1, required=True)  # checked by refkit.parse.source: one-line errors
@_format_option(
    ["table", "json", "jsonl"],
    "table",
    "A table per file; JSON (an object for one file, a list for several); or JSON lines.",
)
@_resolver_options
@click.option(
    "--refresh",
    is_flag=True,
    help="Resolve again: ask the sources instead of the cache, and redo current articles.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where refs/<stem>.json, .bib and the evidence store go (default ./refs).",
)
@click.option(
    "--name",
    default=None,
    help="The article's name in outputs and the graph (default: the "
    "file's stem; for stdin the article's title).",
)
def resolve_cmd(
    files: tuple[str, ...],
    fmt: str,
    settings: Settings,
    min_confidence: float | None,
    refresh: bool,
    out_dir: str | None,
    name: str | None,
) -> None:
    """Find and verify the DOI of each reference in FILE(s); write refs/<stem>.json and .bib.

    Each FILE is a case report as text or JATS XML, a folder of them, or a glob ('-' reads
    stdin). Every reference ends matched, ambiguous, unmatched or error, with a reason. Answers
    are cached in --cache-dir; the local catalog is searched first. An article whose outputs are
    current (same input, same settings) is not redone unless --refresh. A bad FILE is reported
    on stderr and skipped; the other files are still written.

    \b
    Exit status: 0 done; 1 some references ended in error (a source could not be
    asked: say --offline to resolve from the local catalog alone); 2 bad input.

    \b
    Examples:
      refkit resolve article.txt
      refkit resolve --offline seeds/jkra-16-301.txt
      refkit resolve case-reports/ --mailto me@example.org
    """
    import json

    from refkit.workspace import Workspace, expand_inputs

    settings.refresh = refresh
    if out_dir:
        settings.refs_dir = Path(out_dir)
    inputs = expand_inputs(files)
    with Workspace(settings, min_confidence=min_confidence) as workspace:
        progress = _Progress() if sys.stderr.isatty() and settings.progress else None
        summary = workspace.resolve_files(inputs, progress=progress, refresh=refresh, name=name)
    done = [o for o in summary.outcomes if o.ok and o.document is not None]
    if fmt == "json" and done:
        docs = [o.document for o in done]
        click.echo(json.dumps(docs[0] if len(inputs) == 1 else docs, ensure_ascii=False, indent=2))
    elif fmt == "jsonl":
        for o in done:
            click.echo(json.dumps(o.document, ensure_ascii=False))
    elif done:
        for o in done:
            assert o.article is not None
            click.echo(render.resolve_table(o.article, render.terminal_width(sys.stdout)))
    skipped = sum(o.skipped for o in summary.outcomes)
    if skipped:
        click.echo(
            f"refkit: {skipped} article{'s' if skipped > 1 else ''} already current, not redone "
            f"(--refresh redoes them)",
            err=True,
        )
    for line in summary.source_summaries:
        click.echo(f"refkit: {line}", err=True)
    _check_failures(summary.failures, len(inputs))
    if summary.references_in_error:
        raise RefkitError(
            f"{summary.references_in_error} reference{'s' if summary.references_in_error > 1 else ''}"
            f" ended in error (a source could not be asked; see their reasons)",
            exit_code=1,
        )


def _check_failures(failures: list[str], total: int) -> None:
    """One RefkitError summing up the files that failed (after the good ones are out)."""
    if len(failures) == 1:
        suffix = f" ({total - 1} other file{'s' if total != 2 else ''} done)" if total > 1 else ""
        raise RefkitError(failures[0] + suffix)
    if failures:
        raise RefkitError(f"{len(failures)} of {total} files failed: " + "; ".join(failures))


# --- catalog -----------------------------------------------------------------------------
@main.group("catalog", short_help="the local catalog: import, stats")
def catalog_group() -> None:
    """The local catalog of work records (searched before, and without, the network)."""


_CACHE_DIR_HELP = "Directory holding catalog.sqlite (default ./cache if present, else ~/.cache/refkit)."


@catalog_group.command("import", short_help="load work records (Crossref JSON, PubMed XML) into the catalog")
@click.argument("paths", nargs=-1, required=True)  # checked by LocalCatalog.import_path: one-line errors
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help=_CACHE_DIR_HELP)
@click.option(
    "--workers", type=click.IntRange(1), default=None, help="Processes reading files (default: one per core)."
)
def catalog_import_cmd(paths: tuple[str, ...], cache_dir: str | None, workers: int | None) -> None:
    """Load work records from PATHS (files, or directories of them) into the local catalog.

    A file holds Crossref JSON lines, a Crossref API envelope ({"message": ...}), an
    {"items": [...]} file (the public data file's shape) or PubMed XML (PubmedArticleSet),
    gzipped or not. A directory is read whole: the Crossref public data file (~28,000
    .jsonl.gz/.json.gz files) imports as it ships. An interrupted import resumes: files it had
    committed are skipped. A file without any work is an error; the other files are still imported.

    \b
    Examples:
      refkit catalog import works.jsonl
      refkit catalog import --cache-dir ~/refkit-cache crossref-public-data-file/
    """

    def _import_progress(name: str) -> Any:
        """A progress bar (files, works/s, ETA) on a terminal's stderr; nothing when not a terminal."""
        import contextlib

        if not sys.stderr.isatty():
            return contextlib.nullcontext(None)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        @contextlib.contextmanager
        def bar() -> Any:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn(
                    "{task.fields[files]} files  {task.fields[works]:,} works  {task.fields[rate]:,.0f}/s"
                ),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            ) as shown:
                task = shown.add_task(name, total=None, files="0", works=0, rate=0.0)

                def update(p: Any) -> None:
                    shown.update(
                        task,
                        total=p.bytes_total or None,
                        completed=p.bytes_done,
                        files=f"{p.files_done}/{p.files_total}",
                        works=p.works,
                        rate=p.rate,
                    )

                yield update

        return bar()

    from refkit.resolve.catalog import LocalCatalog

    catalog = LocalCatalog(_settings(cache_dir=cache_dir))
    failures: list[str] = []
    total = 0
    for name in paths:  # each batch of files is committed on its own; a bad file does not undo others
        try:
            with _import_progress(name) as progress:
                report = catalog.import_path(name, progress=progress, workers=workers)
        except RefkitError as err:
            failures.append(str(err))
            total += 1
            continue
        total += report.files + report.skipped
        failures += report.failures
        failures += [f"no work records (JSON objects with a DOI) in {e}" for e in report.empty]
        skipped = f" ({report.skipped} files imported before, skipped)" if report.skipped else ""
        click.echo(f"{name}: {report.works} works{skipped}")
    click.echo(f"catalog {catalog.path}: {catalog.stats()['works']} works")
    catalog.close()
    _check_failures(failures, max(total, 1))


@catalog_group.command("stats", short_help="where the catalog is and what it holds")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help=_CACHE_DIR_HELP)
def catalog_stats_cmd(cache_dir: str | None) -> None:
    """Where the catalog is, how many works it holds by where they came from, its size.

    \b
    Example:
      refkit catalog stats --cache-dir cache
    """
    from refkit.resolve.catalog import LocalCatalog

    catalog = LocalCatalog(_settings(cache_dir=cache_dir))  # a damaged file: one-line RefkitError
    stats = catalog.stats()
    catalog.close()
    size = ""
    if stats["works"]:
        size = f" ({stats['bytes'] / 2**20:.1f} MB, {stats['bytes_per_work']} bytes a work)"
    click.echo(f"{stats['path']}: {stats['works']} works{size}")
    if not stats["works"]:
        click.echo("  (empty: import records with `refkit catalog import FILE`, or resolve online)")
    for origin, count in sorted(stats["by_origin"].items()):
        click.echo(f"  {count:7d}  {origin}")


# --- export ------------------------------------------------------------------------------
@main.command("export", short_help="BibTeX / RIS / CSL-JSON / Vancouver text")
@click.argument("source")  # checked by refkit.parse.source: one-line errors
@_format_option(
    ["bibtex", "ris", "csljson", "text"],
    "bibtex",
    "BibTeX, RIS, CSL-JSON, or a Vancouver bibliography as text.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file (atomically) instead of stdout; its folder must exist.",
)
@click.option(
    "--ascii",
    "ascii_only",
    is_flag=True,
    help="BibTeX with LaTeX escapes (Sen{\\'e}cal) for classic bibtex; default is UTF-8 for biber.",
)
@_resolver_options
def export_cmd(
    source: str,
    fmt: str,
    output: str | None,
    ascii_only: bool,
    settings: Settings,
    min_confidence: float | None,
) -> None:
    """Export the references of SOURCE: an article (parsed and resolved now) or a refs/<stem>.json.

    SOURCE is a case report (text or JATS XML, '-' for stdin), parsed and resolved now, or a
    refs/<stem>.json written by `refkit resolve` (exported as saved, no network). Every
    reference gets an entry; those without a confident match carry the cited fields and the
    note "refkit: unverified".

    \b
    Examples:
      refkit export refs/article.json -f ris -o article.ris
      refkit export article.txt --offline -f csljson
      refkit export refs/article.json --ascii > article.bib
    """
    from refkit.export import EXPORTERS, to_bibtex
    from refkit.fileio import write_atomic
    from refkit.workspace import Workspace

    if output and not Path(output).resolve().parent.is_dir():
        raise RefkitError(f"cannot write {output}: the folder {Path(output).parent} does not exist")
    with Workspace(settings, min_confidence=min_confidence) as workspace:
        article = workspace.load_article(source)
    text = (
        to_bibtex(article.references, ascii=ascii_only)
        if fmt == "bibtex"
        else EXPORTERS[fmt](article.references)
    )
    if output:
        write_atomic(Path(output), text)
        click.echo(f"{output}: {len(article.references)} references ({fmt})", err=True)
    else:
        click.echo(text, nl=False)


# --- therapies / query / graph -----------------------------------------------------------
_OUT_DIR_HELP = "The workspace's refs folder: resolved <stem>.json and the evidence store (default ./refs)."


@main.command("therapies", short_help="drugs and procedures in the case, with doses and status")
@click.argument("file")  # checked by refkit.parse.source: one-line errors
@_format_option(
    ["table", "json"],
    "table",
    "A table of therapies, or JSON with mentions (offsets into FILE) and therapies.",
)
@click.option(
    "--out-dir",
    "--refs-dir",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help=_OUT_DIR_HELP + " Resolved records of FILE's references are read too.",
)
def therapies_cmd(file: str, fmt: str, out_dir: str | None) -> None:
    """Drugs, chemicals and procedures in FILE (a case report or a plain abstract), with ids and doses.

    FILE is text or JATS XML ('-' reads stdin); it needs no reference section. When
    refs/<stem>.json exists for it, the resolved works' titles and abstracts are read too.

    \b
    Examples:
      refkit therapies article.txt
      refkit therapies abstract.txt -f json > therapies.json
    """
    import json

    from refkit.therapies.report import read_for_therapies, therapies_report

    settings = _settings(out_dir=out_dir)
    report = therapies_report(read_for_therapies(file, settings.refs_dir))
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(render.therapies_table(report, render.terminal_width(sys.stdout)))


@main.command("query", short_help="which sources back a therapy")
@click.argument("therapy")
@_format_option(
    ["table", "json", "bibtex"], "table", "Ranked table, JSON, or BibTeX of just the supporting works."
)
@click.option(
    "--out-dir", "--refs-dir", "out_dir", type=click.Path(file_okay=False), default=None, help=_OUT_DIR_HELP
)
def query_cmd(therapy: str, fmt: str, out_dir: str | None) -> None:
    """Which cited works back THERAPY (a name, synonym, abbreviation or brand: FK506, IVIG).

    Answers from the workspace's evidence store (refs/refkit.sqlite), which `refkit resolve`
    fills: every article resolved in this workspace counts.

    \b
    Examples:
      refkit query tacrolimus
      refkit query IVIG -f bibtex > ivig.bib
    """
    import json

    from refkit.workspace import Workspace

    if not therapy.strip():
        raise RefkitError("THERAPY is empty: give a drug or procedure name, e.g. refkit query tacrolimus")
    with Workspace(_settings(out_dir=out_dir)) as workspace:
        result = workspace.query(therapy)
        if not result.found:
            near = ", ".join(result.suggestions) or "none"
            raise RefkitError(f"no therapy '{therapy}' in the evidence graph; nearest known: {near}")
        if fmt == "json":
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "bibtex":
            from refkit.export import to_bibtex

            click.echo(to_bibtex(workspace.query_references(result)), nl=False)
        else:
            click.echo(render.query_table(result.to_dict(), render.terminal_width(sys.stdout)))


@main.command("graph", short_help="draw or export the evidence graph")
@_format_option(
    ["png", "svg", "html", "graphml", "dot", "json"],
    "png",
    "A picture (png/svg/html) or GraphML/DOT/node-link JSON for Gephi/Cytoscape.",
)
@click.option(
    "--output", "-o", default=None, help="Output file (default refs/graph.<format>; '-' writes to stdout)."
)
@click.option(
    "--out-dir", "--refs-dir", "out_dir", type=click.Path(file_okay=False), default=None, help=_OUT_DIR_HELP
)
def graph_cmd(fmt: str, output: str | None, out_dir: str | None) -> None:
    """Draw or export the evidence graph linking therapies to the works that support them.

    Reads the workspace's evidence store, as `refkit query` does.

    \b
    Examples:
      refkit graph                          writes refs/graph.png
      refkit graph -f html -o graph.html    an interactive page
      refkit graph -f graphml -o - > g.graphml
    """
    import json

    import networkx as nx

    from refkit.fileio import write_atomic
    from refkit.graph_draw import draw, to_dot, to_graphml
    from refkit.workspace import Workspace

    settings = _settings(out_dir=out_dir)
    with Workspace(settings) as workspace:
        graph = workspace.graph()
    if fmt == "json":
        data = (
            json.dumps(nx.node_link_data(graph, edges="edges"), ensure_ascii=False, indent=1) + "\n"
        ).encode()
    else:
        data = to_graphml(graph) if fmt == "graphml" else to_dot(graph) if fmt == "dot" else draw(graph, fmt)
    if output == "-":
        if fmt in ("png",) and sys.stdout.isatty():
            raise RefkitError(
                "not writing a PNG to the terminal: give -o FILE, or pipe it (-o - > graph.png)"
            )
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(output) if output else Path(settings.refs_dir) / f"graph.{fmt}"
    write_atomic(path, data)
    click.echo(f"wrote {path} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)", err=True)


@main.command("report", short_help="one HTML page to read or send")
@click.argument("files", nargs=-1)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="The HTML file to write (default refs/report.html).",
)
@click.option(
    "--out-dir", "--refs-dir", "out_dir", type=click.Path(file_okay=False), default=None, help=_OUT_DIR_HELP
)
@click.option("--offline", is_flag=True, help="Resolve FILES from the local catalog only.")
def report_cmd(files: tuple[str, ...], output: str | None, out_dir: str | None, offline: bool) -> None:
    """One self-contained HTML page to read or send: every reference with its status, links,
    confidence and reason, discrepancies, retractions, the therapies, and the evidence graph
    (filter by article or therapy, hover for evidence, click through to the reference).

    FILES are case reports, resolved first (current ones are not redone); without FILES, the
    report covers every article already resolved in the workspace. The page needs no network.

    \b
    Examples:
      refkit report seeds/jkra-16-301.txt          writes refs/report.html
      refkit report -o review.html
    """
    from refkit.fileio import write_atomic
    from refkit.report import articles_from_graph, build_report
    from refkit.workspace import Workspace, expand_inputs

    settings = _settings(out_dir=out_dir)
    settings.offline = offline
    with Workspace(settings) as workspace:
        if files:
            summary = workspace.resolve_files(expand_inputs(files))
            _check_failures(summary.failures, len(files))
        graph = workspace.graph()
    page = build_report(articles_from_graph(graph), graph)
    path = Path(output) if output else Path(settings.refs_dir) / "report.html"
    write_atomic(path, page)
    click.echo(
        f"wrote {path} ({sum(1 for _, k in graph.nodes(data='kind') if k == 'article')} articles)", err=True
    )


# --- shared --------------------------------------------------------------------------------
def _settings(*, cache_dir: str | None = None, out_dir: str | None = None) -> Settings:
    settings = Settings(offline=True)
    if cache_dir:
        settings.cache_dir = Path(cache_dir)
    if out_dir:
        settings.refs_dir = Path(out_dir)
    return settings


# --- progress ------------------------------------------------------------------------------
class _Progress:
    """One bar on stderr: "file 2 of 5 · 26/42 references · ETA", kept as a summary line."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("references · ETA"),
            TimeRemainingColumn(),
            transient=False,
            console=Console(stderr=True),
        )
        self._task: Any = None
        self._files = 0

    def start(self, files: int) -> None:
        self._files = files
        self._bar.start()
        self._task = self._bar.add_task("resolving", total=0)

    def file(self, index: int, name: str, references: int) -> None:
        task = self._bar.tasks[0]
        self._bar.update(
            self._task,
            total=(task.total or 0) + references,
            description=f"file {index} of {self._files} · {Path(name).name}",
        )

    def reference(self) -> None:
        self._bar.advance(self._task)

    def finish(self) -> None:
        self._bar.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
