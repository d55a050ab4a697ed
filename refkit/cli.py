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
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A readable table, or the JSON shape documented in the README.")
def parse_cmd(file: str, fmt: str) -> None:
    """Split FILE (pasted text or JATS XML; '-' reads stdin) into parts and references."""
    raise RefkitError("parse: not implemented yet")


# --- resolve -----------------------------------------------------------------------------


# --- catalog -----------------------------------------------------------------------------


# --- export ------------------------------------------------------------------------------


# --- therapies / query / graph -----------------------------------------------------------


if __name__ == "__main__":  # pragma: no cover
    main()
