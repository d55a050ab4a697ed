"""Terminal output: every table and list refkit prints, as pure functions from data to text.

Each function takes the width to fit (``terminal_width`` of the stream it goes to) and returns
text; nothing here writes anywhere. The rules every table follows:

- no line wider than ``width``; columns are shrunk (their text wrapped at spaces) to fit;
- a DOI, PMID or URL is never broken across lines: a column holding one is at least as wide;
- when the columns do not fit without breaking words (or below ``LIST_BELOW`` columns), the
  rows become a list, one field per line, which any width can show;
- ``width=None`` (piped, captured): each row on one line, columns aligned, no trailing spaces.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from rich.cells import cell_len

from refkit.model import Article, Reference

LIST_BELOW = 60  # narrower than this, a table of five columns is unreadable: one field per line
GAP = "  "  # between columns
SOFT_WORD = 20  # words this long stay whole while there is room (terms run long: "immunosuppressants")
MAIN_SOFT = 30  # a main text column gets this much (a few words a line) before others stay
# Tokens a reader copies whole: DOIs, URLs, PMIDs/PMCIDs, identifiers like mesh:D016559.
_ATOM = re.compile(r"^(?:\S*10\.\d{4,9}/\S+|\S*https?://\S+|(?:pmid:|PMC)?\d{5,9}[.,;]?|\w+:\S+)$", re.I)


def terminal_width(stream: IO[str] | Any) -> int | None:
    """The width to fit: a terminal's real width, else ``$COLUMNS``, else None (piped)."""
    try:
        if stream.isatty():
            columns = os.get_terminal_size(stream.fileno()).columns
            if columns > 0:  # a pseudo-terminal nobody sized says 0: fall back to $COLUMNS
                return columns
    except (AttributeError, OSError, ValueError):
        pass
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


# --- the layout engine ------------------------------------------------------------------------------
@dataclass
class Column:
    header: str
    wrap: bool = True  # False: never wrapped (numbers, statuses, identifiers)
    right: bool = False
    optional: bool = False  # dropped first when the table does not fit
    spill: bool = False  # may go under its row, full width, when the table does not fit (a reason)
    main: bool = False  # the row's long text (a title, a reason): wants room for a few words a line
    labelled: bool = False  # spilled under its row, the text says which field it is ("where: …")


def wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells, broken at spaces; an over-long ordinary word is split,
    a DOI/URL/PMID never (it stands alone on its line, wider than ``width`` if it must)."""
    lines: list[str] = []
    for paragraph in (text or "").split("\n"):
        line = ""
        for word in paragraph.split():
            while cell_len(word) > width and not _ATOM.match(word):
                room = width - cell_len(line) - (1 if line else 0)
                if room < max(4, width // 3):
                    if line:
                        lines.append(line)
                    line, room = "", width
                head, word = _split_cells(word, room)
                lines.append(f"{line} {head}".strip() if line else head)
                line = ""
            if not line:
                line = word
            elif cell_len(line) + 1 + cell_len(word) <= width:
                line = f"{line} {word}"
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines or [""]


def _split_cells(word: str, width: int) -> tuple[str, str]:
    out = ""
    for i, char in enumerate(word):
        if cell_len(out + char) > width:
            return out, word[i:]
        out += char
    return out, ""


def _min_width(column: Column, cells: list[str], soft: int) -> int:
    """The narrowest a wrapped column may be: its longest DOI/URL/PMID; at ``soft`` 1, also its
    longest word up to ``SOFT_WORD`` cells (names and words stay whole while there is room); at
    ``soft`` 2, a main text column ``MAIN_SOFT`` cells too."""
    words = [w for c in cells + [column.header] for w in c.split()]
    atoms = [cell_len(w) for w in words if _ATOM.match(w)]
    plain = [min(cell_len(w), SOFT_WORD) for w in words] if soft else []
    if soft > 1 and column.main:
        plain.append(min(MAIN_SOFT, _natural(column, cells)))
    return max(atoms + plain + [4])


def _natural(column: Column, cells: list[str]) -> int:
    return max(cell_len(line) for c in cells + [column.header] for line in (c.split("\n") or [""]))


def table(title: str | None, columns: Sequence[Column], rows: Sequence[Sequence[str]],
          width: int | None) -> str:
    """Rows under a header, fitted to ``width`` (see the module docstring); a list if they cannot.

    A column with nothing in it is left out. When the rest does not fit, optional columns go
    (the last first), then a ``spill`` column moves under its row at full width, then main text
    columns give up their room; when words would still have to break, it is a list.
    """
    keep = [i for i, c in enumerate(columns) if any(r[i].strip() for r in rows)] or [0]
    columns = [columns[i] for i in keep]
    rows = [[r[i] for i in keep] for r in rows]
    head = wrap_text(title, width) if title and width else ([title] if title else [])
    everything = (list(columns), [list(r) for r in rows])  # a list has room for every field
    if width is not None and width < LIST_BELOW:
        return _join(head + _as_list(*everything, width))
    spilled: Column | None = None
    spilled_cells: list[str] = []
    soft = 2
    while True:
        cells = [[r[i] for r in rows] for i in range(len(columns))]
        widths = _fit(columns, cells, width, soft)
        if widths is not None:
            break
        if any(c.optional for c in columns):
            drop = max(i for i, c in enumerate(columns) if c.optional)
        elif spilled is None and any(c.spill for c in columns):
            drop = next(i for i, c in enumerate(columns) if c.spill)
            spilled, spilled_cells = columns[drop], [r[drop] for r in rows]
        elif soft > 1:
            soft -= 1
            continue
        else:
            assert width is not None
            return _join(head + _as_list(*everything, width))
        columns.pop(drop)
        for r in rows:
            r.pop(drop)
    headers = [wrap_text(c.header, w) if c.wrap else [c.header] for c, w in zip(columns, widths, strict=True)]
    out = head + [_line([h[k] if k < len(h) else "" for h in headers], columns, widths)
                  for k in range(max(len(h) for h in headers))]
    rules = list(widths)
    if width is None:  # piped: the last column's rule no longer than its header (no long bars)
        rules[-1] = cell_len(columns[-1].header)
    out.append(GAP.join("─" * w for w in rules))
    for i, row in enumerate(rows):
        wrapped = [wrap_text(cell, w) if c.wrap else cell.split("\n") for cell, c, w in
                   zip(row, columns, widths, strict=True)]
        for k in range(max(len(x) for x in wrapped)):
            out.append(_line([x[k] if k < len(x) else "" for x in wrapped], columns, widths))
        if spilled is not None and spilled_cells[i].strip():
            assert width is not None
            text = f"{spilled.header}: {spilled_cells[i]}" if spilled.labelled else spilled_cells[i]
            out.extend("    " + line for line in wrap_text(text, width - 4))
    return _join(out)


def _fit(columns: list[Column], cells: list[list[str]], width: int | None, soft: int) -> list[int] | None:
    natural = [_natural(c, x) for c, x in zip(columns, cells, strict=True)]
    if width is None:
        return natural
    budget = width - len(GAP) * (len(columns) - 1)
    if sum(natural) <= budget:
        return natural
    minimum = [_min_width(c, x, soft) if c.wrap else n
               for c, x, n in zip(columns, cells, natural, strict=True)]
    minimum = [min(m, n) for m, n in zip(minimum, natural, strict=True)]
    if sum(minimum) > budget:
        return None
    widths = list(minimum)
    spare = budget - sum(widths)
    wants = [n - m for n, m in zip(natural, minimum, strict=True)]
    # Fair shares: a column that wants little gets all of it; the rest is split evenly among the
    # columns that want more (so a short "cited by" column is whole and the title takes the rest).
    pending = sorted(range(len(wants)), key=lambda i: wants[i])
    while pending and spare > 0:
        share = spare // len(pending)
        i = pending.pop(0)
        give = min(wants[i], share if pending else spare)
        widths[i] += give
        spare -= give
    return widths


def _line(values: list[str], columns: list[Column], widths: list[int]) -> str:
    parts = []
    for value, column, w in zip(values, columns, widths, strict=True):
        pad = " " * max(0, w - cell_len(value))
        parts.append(pad + value if column.right else value + pad)
    return GAP.join(parts).rstrip()


def _as_list(columns: list[Column], rows: list[list[str]], width: int) -> list[str]:
    """One block per row: its first field, then ``field: value`` lines, wrapped, indented."""
    out: list[str] = []
    for row in rows:
        if out:
            out.append("")
        first = f"{row[0]}." if columns[0].header in ("n", "#") else f"{columns[0].header}: {row[0]}"
        out.extend(wrap_text(first, width))
        for column, value in zip(columns[1:], row[1:], strict=True):
            if not value.strip():
                continue
            out.extend("  " + line for line in wrap_text(f"{column.header}: {value}", max(10, width - 2)))
    return out


def _join(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines)


# --- what each command prints ---------------------------------------------------------------------
def resolve_table(article: Article, width: int | None) -> str:
    """``refkit resolve``: n, status, DOI, PMID, confidence, flags, reason for each reference."""
    from refkit.export.record import identifiers

    rows = []
    for ref in article.references:
        m = ref.match
        flags = reference_flags(ref)
        doi = (m.doi or "") if m and m.status == "matched" else ""
        if not doi and ref.doi:
            doi, flags = ref.doi, [*flags, "printed DOI"]  # as printed, not verified
        pmid, _ = identifiers(ref)
        rows.append([str(ref.n or ""), m.status if m else "-", doi, pmid or "",
                     f"{m.confidence:.2f}" if m else "", ", ".join(flags), m.reason if m else ""])
    columns = [Column("n", wrap=False, right=True), Column("status", wrap=False), Column("DOI", wrap=False),
               Column("PMID", wrap=False, optional=True), Column("conf.", wrap=False, right=True),
               Column("flags"), Column("reason", spill=True, main=True)]
    return table(f"{article.source or 'input'}: {summary_line(article)}", columns, rows, width)


def summary_line(article: Article) -> str:
    """``6 matched, 7 unmatched``: the references by outcome."""
    counts: dict[str, int] = {}
    for ref in article.references:
        status = ref.match.status if ref.match else "unresolved"
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))


def reference_flags(ref: Reference) -> list[str]:
    """``RETRACTED``, ``CORRECTED``…: the update notices against a reference, in the words the
    exports and the report use."""
    from refkit.export.record import UPDATE_LABELS, update_notices

    kinds = {str(u.get("type") or "").lower() for u in update_notices(ref)} - {""}
    return sorted({UPDATE_LABELS.get(kind, "UPDATED") for kind in kinds})


def article_table(article: Article, width: int | None) -> str:
    """``refkit parse``: the article's header lines, then one row per reference."""
    authors = ", ".join(a.family for a in article.authors[:6])
    if len(article.authors) > 6:
        authors += " et al."
    volume = article.volume and article.volume + (f"({article.issue})" if article.issue else "")
    where = " ".join(filter(None, [article.journal, volume, article.first_page and f"p. {article.first_page}",
                                   article.year and f"({article.year})"]))
    head = [article.title or "(untitled)"]
    for label, value in (("Authors", authors), ("Source", where), ("DOI", article.doi),
                         ("File", article.source), ("Captions", len(article.captions) or None)):
        if value:
            head.append(f"{label}: {value}")
    rows = []
    for ref in article.references:
        pages = "-".join(filter(None, [ref.first_page, ref.last_page]))
        rows.append([str(ref.n or ""), ref.authors[0].family if ref.authors else "", str(ref.year or ""),
                     ref.title or "", ref.journal or "", ref.volume or "", pages, " ".join(ref.links),
                     str(len(ref.warnings) or "")])
    columns = [Column("n", wrap=False, right=True), Column("first author"), Column("year", wrap=False),
               Column("title", main=True), Column("journal"), Column("vol", wrap=False),
               Column("pages", wrap=False),
               Column("links", optional=True), Column("warn", wrap=False, right=True, optional=True)]
    lines = [line for text in head for line in (wrap_text(text, width) if width else [text])]
    return _join(lines) + "\n\n" + table(f"{len(article.references)} references", columns, rows, width)


def query_table(result: dict[str, Any], width: int | None) -> str:
    """``refkit query``: the works backing a therapy (``QueryResult.to_dict()``), best first."""
    from refkit.text import fold

    ids = " ".join(f"{k}:{v}" for k, v in (result.get("ids") or {}).items())
    therapy, query = result.get("therapy") or "", result.get("query") or ""
    head = therapy + (f" ({query})" if fold(query) != fold(therapy) else "") + (f"  {ids}" if ids else "")
    supports = result.get("supports") or []
    if not supports:
        return _join(wrap_text(f"{head}: no cited work supports it in the graph", width or 10**6))
    rows = []
    for i, s in enumerate(supports, 1):
        evidence = "\n".join(f"{e['evidence']}: {e['detail']}" for e in s.get("evidence") or [])
        cited = "\n".join(f"{c['article']} [{c['n']}]" for c in s.get("cited_by") or [])
        rows.append([str(i), f"{s.get('label') or ''}\n{s.get('title') or ''}", s.get("doi") or "-",
                     evidence, cited])
    columns = [Column("#", wrap=False, right=True), Column("work", main=True), Column("DOI", wrap=False),
               Column("evidence", spill=True), Column("cited by")]
    return table(f"{head}: {len(supports)} supporting work{'s' if len(supports) != 1 else ''}", columns,
                 rows, width)


def therapies_table(report: dict[str, Any], width: int | None) -> str:
    """``refkit therapies``: one row per therapy (the ``therapies_report`` dict), given first."""
    therapies = report.get("therapies") or []
    ordered = sorted(therapies, key=lambda t: (not t.get("given_in_case"), t.get("kind") == "class",
                                               t.get("name", "")))
    rows = []
    for t in ordered:
        ids = " ".join(f"{k}:{t[k]}" for k in ("mesh", "drugbank") if t.get(k))
        status = t.get("status") or ("given" if t.get("given_in_case") else "")
        route = t.get("route") or ", ".join(t.get("routes") or [])
        doses = "; ".join(t.get("doses") or [])
        where = ", ".join(t.get("where") or [])
        rows.append([t.get("name", ""), t.get("kind", ""), status, doses, route, ids, where])
    columns = [Column("name"), Column("kind", wrap=False), Column("status"), Column("dose"),
               Column("route", optional=True), Column("ids"),
               Column("where", spill=True, labelled=True, main=True)]
    title = f"{report.get('source') or 'input'}: {len(therapies)} therapies and chemicals"
    return table(title, columns, rows, width)
