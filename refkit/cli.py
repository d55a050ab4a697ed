"""Command line: parses options and prints. All logic lives in the library.

Each subcommand owns one section below (parse, resolve, catalog, export, therapies,
query, graph). Results go to stdout; progress bars, warnings and errors go to stderr.
"""

from __future__ import annotations

import sys

import click

from refkit import __version__
from refkit.errors import RefkitError


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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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


# --- parse -------------------------------------------------------------------------------
@main.command("parse")
@click.argument("file")  # checked by refkit.parse.source, so every bad input gets the same one-line error
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A readable table, or the JSON shape documented in the README.")
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
        _print_article_table(article)


def _print_article_table(article) -> None:  # noqa: ANN001 - refkit.model.Article
    """The article header, then one row per reference (rich table on stdout)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, highlight=False)
    if not console.is_terminal:  # piped or captured: no terminal width to fit, so use a readable one
        console.width = 140
    authors = ", ".join(a.family for a in article.authors[:6])
    if len(article.authors) > 6:
        authors += " et al."
    where = " ".join(filter(None, [article.journal, article.volume and f"{article.volume}"
                                   + (f"({article.issue})" if article.issue else ""),
                                   article.first_page and f"p. {article.first_page}",
                                   article.year and f"({article.year})"]))
    console.print(f"[bold]{article.title or '(untitled)'}[/bold]", markup=True)
    for label, value in (("Authors", authors), ("Source", where), ("DOI", article.doi),
                         ("File", article.source), ("Captions", len(article.captions) or None)):
        if value:
            console.print(f"{label}: {value}", markup=False)
    table = Table(title=f"{len(article.references)} references", title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    # One line per reference: long cells end in an ellipsis; the title takes the spare width.
    all_columns = ("n", "first author", "year", "title", "journal", "vol", "pages", "links", "warn")
    widths = {"n": 3, "first author": 10, "year": 4, "title": 0, "journal": 12, "vol": 4, "pages": 9,
              "links": 8, "warn": 4}
    if console.width >= 120:
        widths.update({"first author": 14, "journal": 20, "vol": 5, "pages": 11, "links": 14})
    if not any(ref.warnings for ref in article.references) or console.width < 100:
        del widths["warn"]
    if console.width < 100:
        del widths["links"]
    spare = console.width - sum(widths.values()) - 3 * len(widths)  # padding and divider per column
    widths["title"] = max(16, min(70, spare))
    for column, width in widths.items():
        table.add_column(column, justify="right" if column in ("n", "year", "warn") else "left",
                         width=width, no_wrap=True, overflow="ellipsis")
    for ref in article.references:
        title = ref.title or ""
        pages = "-".join(filter(None, [ref.first_page, ref.last_page]))
        cells = [str(ref.n or ""), ref.authors[0].family if ref.authors else "", str(ref.year or ""),
                 title if len(title) <= 70 else title[:69] + "…", ref.journal or "", ref.volume or "", pages,
                 ", ".join(ref.links), str(len(ref.warnings) or "")]
        table.add_row(*(cell for cell, column in zip(cells, all_columns, strict=True) if column in widths))
    console.print(table)


# --- resolve -----------------------------------------------------------------------------
def _resolver_options(command):
    """The options every command that resolves references shares (resolve, export)."""
    options = [
        click.option("--offline", is_flag=True, help="Use the local catalog only; never touch the network."),
        click.option("--min-confidence", type=click.FloatRange(0.0, 1.0), default=None,
                     help="Accept a match only at this confidence or above (default 0.8)."),
        click.option("--api-url", default=None,
                     help="Crossref API base URL (env REFKIT_CROSSREF_URL; default https://api.crossref.org)."),
        click.option("--mailto", default=None,
                     help="Contact address for Crossref's polite pool (env REFKIT_MAILTO)."),
        click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                     help="Response cache and local catalog directory (default ./cache)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _resolver_settings(offline: bool, api_url: str | None, mailto: str | None, cache_dir: str | None,
                       **fields):
    """Settings from the shared options; unset flags leave the environment's values in place."""
    from pathlib import Path

    from refkit.settings import Settings

    settings = Settings(offline=offline, **fields)
    if api_url:
        settings.api_url = api_url
    if mailto:
        settings.mailto = mailto
    if cache_dir:
        settings.cache_dir = Path(cache_dir)
    return settings


@main.command("resolve")
@click.argument("files", nargs=-1, required=True)  # checked by refkit.parse.source: one-line errors
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A table at the end, or the JSON written to refs/<stem>.json.")
@_resolver_options
@click.option("--refresh", is_flag=True, help="Ask Crossref again instead of using cached responses.")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None,
              help="Where refs/<stem>.json and .bib go (default ./refs).")
def resolve_cmd(files: tuple[str, ...], fmt: str, offline: bool, min_confidence: float | None,
                api_url: str | None, mailto: str | None, cache_dir: str | None, refresh: bool,
                out_dir: str | None) -> None:
    """Find and verify the DOI of each reference in FILE(s); write refs/<stem>.json and .bib.

    Each FILE is a case report as text or JATS XML ('-' reads stdin, saved as refs/stdin.json).
    Every reference ends matched, ambiguous, unmatched or error, with a reason. Crossref answers
    are cached in --cache-dir; the local catalog is searched first. A bad FILE is reported on
    stderr and skipped, the other files are still written, and the exit status is 2.

    \b
    Examples:
      refkit resolve article.txt
      refkit resolve --offline seeds/*.txt
      refkit resolve article.txt -f json --mailto me@example.org
    """
    from pathlib import Path

    from refkit.resolve.run import ResolveRun

    settings = _resolver_settings(offline, api_url, mailto, cache_dir, refresh=refresh)
    if out_dir:
        settings.refs_dir = Path(out_dir)
    run = ResolveRun(settings, min_confidence=min_confidence, progress=sys.stderr.isatty())
    results = run.run(list(files))
    if fmt == "json" and results:
        import json

        docs = [doc for _, doc in results]
        click.echo(json.dumps(docs[0] if len(files) == 1 else docs, ensure_ascii=False, indent=2))
    elif results:
        for path, _ in results:
            click.echo(run.table(path))
    run.check(len(files))  # the files that failed, in one line, after the good ones are out


# --- catalog -----------------------------------------------------------------------------
@main.group("catalog")
def catalog_group() -> None:
    """The local catalog of Crossref work records (searched before, and without, the network)."""


@catalog_group.command("import")
@click.argument("files", nargs=-1, required=True)  # checked by LocalCatalog.import_file: one-line errors
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Directory holding catalog.sqlite (default ./cache).")
def catalog_import_cmd(files: tuple[str, ...], cache_dir: str | None) -> None:
    """Load Crossref work records from FILES into the local catalog used by resolve.

    Each FILE holds JSON lines of works, a Crossref API envelope ({"message": ...}) or an
    {"items": [...]} file, gzipped or not. A file without any work (an object with a DOI) is
    an error; the other files are still imported.

    \b
    Examples:
      refkit catalog import works.jsonl
      refkit catalog import --cache-dir ~/refkit-cache crossref-dump/*.json.gz
    """
    from pathlib import Path

    from refkit.resolve.catalog import LocalCatalog
    from refkit.settings import Settings

    settings = Settings(cache_dir=Path(cache_dir)) if cache_dir else Settings()
    catalog = LocalCatalog(settings)
    failures = []
    for name in files:  # each file is committed on its own; a bad one does not undo the others
        try:
            count = catalog.import_file(name)
        except RefkitError as err:
            failures.append(str(err))
            continue
        if count == 0:
            failures.append(f"no Crossref work records (JSON objects with a DOI) in {name}")
            continue
        click.echo(f"{name}: {count} works")
    click.echo(f"catalog {catalog.path}: {catalog.stats()['works']} works")
    if failures:
        raise RefkitError(failures[0] if len(failures) == 1
                          else f"{len(failures)} of {len(files)} files not imported: " + "; ".join(failures))


@catalog_group.command("stats")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Directory holding catalog.sqlite (default ./cache).")
def catalog_stats_cmd(cache_dir: str | None) -> None:
    """How many works the catalog holds, by where they came from.

    \b
    Example:
      refkit catalog stats --cache-dir cache
    """
    from pathlib import Path

    from refkit.resolve.catalog import LocalCatalog
    from refkit.settings import Settings

    settings = Settings(cache_dir=Path(cache_dir)) if cache_dir else Settings()
    stats = LocalCatalog(settings).stats()
    click.echo(f"{stats['path']}: {stats['works']} works")
    for origin, count in sorted(stats["by_origin"].items()):
        click.echo(f"  {count:7d}  {origin}")


# --- export ------------------------------------------------------------------------------
@main.command("export")
@click.argument("source")  # checked by refkit.parse.source: one-line errors
@click.option("--format", "-f", "fmt", type=click.Choice(["bibtex", "ris", "csljson", "text"]),
              default="bibtex", show_default=True,
              help="BibTeX, RIS, CSL-JSON, or a Vancouver bibliography as text.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file (atomically) instead of stdout.")
@click.option("--ascii", "ascii_only", is_flag=True,
              help="BibTeX with LaTeX escapes (Sen{\\'e}cal) for classic bibtex; default is UTF-8 for biber.")
@_resolver_options
def export_cmd(source: str, fmt: str, output: str | None, ascii_only: bool, offline: bool,
               min_confidence: float | None, api_url: str | None, mailto: str | None,
               cache_dir: str | None) -> None:
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
    from pathlib import Path

    from refkit.export import EXPORTERS, to_bibtex
    from refkit.export.source import load_article

    settings = _resolver_settings(offline, api_url, mailto, cache_dir)
    article = load_article(source, settings, min_confidence=min_confidence,
                           warn=lambda message: click.echo(f"refkit: warning: {message}", err=True))
    if fmt == "bibtex":
        text = to_bibtex(article.references, ascii=ascii_only)
    else:
        text = EXPORTERS[fmt](article.references)
    if output:
        from refkit.resolve.run import write_atomic

        write_atomic(Path(output), text)
        click.echo(f"{output}: {len(article.references)} references ({fmt})", err=True)
    else:
        click.echo(text, nl=False)



# --- therapies / query / graph -----------------------------------------------------------
def _workspace_settings(refs_dir: str | None, seeds_dir: str | None):
    from pathlib import Path

    from refkit.settings import Settings

    settings = Settings(offline=True)
    if refs_dir:
        settings.refs_dir = Path(refs_dir)
    if seeds_dir:
        settings.seeds_dir = Path(seeds_dir)
    return settings


def _warn(message: str) -> None:
    click.echo(f"refkit: warning: {message}", err=True)


@main.command("therapies")
@click.argument("file")  # checked by refkit.parse.source: one-line errors
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True,
              help="A table of therapies, or JSON with mentions (offsets into FILE) and therapies.")
@click.option("--refs-dir", type=click.Path(file_okay=False), default=None,
              help="Where resolved refs/<stem>.json live (default ./refs); their records are read too.")
def therapies_cmd(file: str, fmt: str, refs_dir: str | None) -> None:
    """Drugs, chemicals and procedures in FILE (a case report or a plain abstract), with ids and doses.

    FILE is text or JATS XML ('-' reads stdin); it needs no reference section. When
    refs/<stem>.json exists for it, the resolved works' titles and abstracts are read too.

    \b
    Examples:
      refkit therapies article.txt
      refkit therapies abstract.txt -f json > therapies.json
    """
    import json

    from refkit.therapies.report import read_for_therapies, therapies_report, therapies_table

    settings = _workspace_settings(refs_dir, None)
    report = therapies_report(read_for_therapies(file, settings.refs_dir, warn=_warn))
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(therapies_table(report))


@main.command("query")
@click.argument("therapy")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json", "bibtex"]), default="table",
              show_default=True, help="Ranked table, JSON, or BibTeX of just the supporting works.")
@click.option("--refs-dir", type=click.Path(file_okay=False), default=None,
              help="Workspace with graph.json / resolved <stem>.json files (default ./refs).")
@click.option("--seeds-dir", type=click.Path(file_okay=False), default=None,
              help="Seed articles to build the graph from when refs/ has none (default ./seeds).")
def query_cmd(therapy: str, fmt: str, refs_dir: str | None, seeds_dir: str | None) -> None:
    """Which cited works back THERAPY (a name, synonym, abbreviation or brand: FK506, IVIG).

    Reads refs/graph.json; when it is missing, builds it from refs/*.json, else from the seed
    articles (offline). A damaged graph.json is kept aside as graph.json.corrupt-<time> and rebuilt.

    \b
    Examples:
      refkit query tacrolimus
      refkit query IVIG -f bibtex > ivig.bib
    """
    import json

    from refkit.graph import query_graph, query_table, supporting_references, workspace_graph

    if not therapy.strip():
        raise RefkitError("THERAPY is empty: give a drug or procedure name, e.g. refkit query tacrolimus")
    graph = workspace_graph(_workspace_settings(refs_dir, seeds_dir), warn=_warn)
    result = query_graph(graph, therapy)
    if not result.found:
        near = ", ".join(result.suggestions) or "none"
        raise RefkitError(f"no therapy '{therapy}' in the evidence graph; nearest known: {near}")
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "bibtex":
        from refkit.export import to_bibtex

        click.echo(to_bibtex(supporting_references(graph, result)), nl=False)
    else:
        click.echo(query_table(result))


@main.command("graph")
@click.option("--format", "-f", "fmt", type=click.Choice(["png", "svg", "html", "graphml", "dot"]),
              default="png", show_default=True,
              help="A picture (png/svg/html) or GraphML/DOT for Gephi/Cytoscape.")
@click.option("--output", "-o", default=None,
              help="Output file (default refs/graph.<format>; '-' writes to stdout).")
@click.option("--refs-dir", type=click.Path(file_okay=False), default=None,
              help="Workspace with graph.json / resolved <stem>.json files (default ./refs).")
@click.option("--seeds-dir", type=click.Path(file_okay=False), default=None,
              help="Seed articles to build the graph from when refs/ has none (default ./seeds).")
def graph_cmd(fmt: str, output: str | None, refs_dir: str | None, seeds_dir: str | None) -> None:
    """Draw or export the evidence graph linking therapies to the works that support them.

    Reads the same graph as `refkit query` (refs/graph.json, built if missing).

    \b
    Examples:
      refkit graph                          writes refs/graph.png
      refkit graph -f html -o graph.html    an interactive page
      refkit graph -f graphml -o - > g.graphml
    """
    from pathlib import Path

    from refkit.graph import workspace_graph
    from refkit.graph_draw import draw, to_dot, to_graphml

    settings = _workspace_settings(refs_dir, seeds_dir)
    graph = workspace_graph(settings, warn=_warn)
    data = to_graphml(graph) if fmt == "graphml" else to_dot(graph) if fmt == "dot" else draw(graph, fmt)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(output) if output else Path(settings.refs_dir) / f"graph.{fmt}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as err:
        from refkit.errors import cannot_write

        raise cannot_write(path, err) from None
    click.echo(f"wrote {path} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)", err=True)



if __name__ == "__main__":  # pragma: no cover
    main()
