"""Checking exports with the real clients: biber, bibtex (plain.bst), rispy, the CSL-JSON schema.

``export_report`` exports a list of references in every format and returns, per client, the
problems it reported (an empty list is a clean pass; ``None`` means the client is missing).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from refkit.model import Match, Reference
from refkit.resolve.crossref_records import work_from_crossref
from support.paths import DATA  # noqa: E402

CORPUS = DATA / "corpus"
CSL_SCHEMA = DATA / "csl-data.json"


def has_biber() -> bool:
    return shutil.which("biber") is not None


def has_bibtex() -> bool:
    if shutil.which("bibtex") is None or shutil.which("kpsewhich") is None:
        return False
    return subprocess.run(["kpsewhich", "plain.bst"], capture_output=True).returncode == 0


def biber_problems(bib: str, workdir: Path) -> list[str]:
    """WARN/ERROR lines (and a bad exit) of ``biber --tool --validate-datamodel`` on ``bib``."""
    path = workdir / "biber-check.bib"
    path.write_text(bib, encoding="utf-8")
    run = subprocess.run(["biber", "--tool", "--validate-datamodel", path.name],
                         capture_output=True, text=True, cwd=workdir)
    problems = [line for line in (run.stdout + run.stderr).splitlines() if re.match(r"(WARN|ERROR)", line)]
    if run.returncode != 0:
        problems.append(f"biber exited {run.returncode}")
    return problems


def bibtex_problems(bib: str, workdir: Path, keys: list[str]) -> tuple[list[str], str]:
    """Warnings and errors of a bibtex run (plain.bst) citing ``keys``, and the .bbl it wrote."""
    (workdir / "refs.bib").write_text(bib, encoding="utf-8")
    aux = "\\relax\n" + "".join(f"\\citation{{{k}}}\n" for k in keys) + "\\bibstyle{plain}\n\\bibdata{refs}\n"
    (workdir / "doc.aux").write_text(aux, encoding="utf-8")
    run = subprocess.run(["bibtex", "doc"], capture_output=True, text=True, cwd=workdir)
    problems = [line for line in (run.stdout + run.stderr).splitlines()
                if "Warning" in line or "rror" in line or "---line" in line]
    if run.returncode != 0:
        problems.append(f"bibtex exited {run.returncode}")
    bbl = workdir / "doc.bbl"
    return problems, bbl.read_text(encoding="utf-8", errors="replace") if bbl.exists() else ""


def ris_mismatches(references: list[Reference]) -> list[str]:
    """Fields rispy reads back differently from what the RIS exporter was given."""
    import rispy

    from refkit.export import export_records, to_ris
    from refkit.export.ris import ris_record

    written = [ris_record(r) for r in export_records(references)]
    read = rispy.loads(to_ris(references))
    problems = [f"{len(read)} records read back, {len(written)} written"] if len(read) != len(written) else []
    for expected, got in zip(written, read, strict=False):
        for key, value in expected.items():
            if got.get(key) != value:
                problems.append(f"{expected['id']}: {key} {value!r} read back as {got.get(key)!r}")
    return problems


def csl_problems(references: list[Reference]) -> list[str]:
    """Schema violations of the CSL-JSON export (one line each)."""
    import jsonschema

    from refkit.export import to_csljson

    schema = json.loads(CSL_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    items = json.loads(to_csljson(references))
    return [f"{list(e.path)}: {e.message[:120]}" for e in validator.iter_errors(items)]


def export_report(references: list[Reference]) -> dict[str, Any]:
    """Problems per client for one set of references (BibTeX checked in UTF-8 and --ascii)."""
    from refkit.export import read_bibtex, to_bibtex, to_text

    report: dict[str, Any] = {"references": len(references)}
    with tempfile.TemporaryDirectory(prefix="refkit-export-") as tmp:
        workdir = Path(tmp)
        for mode, ascii_only in (("utf8", False), ("ascii", True)):
            bib = to_bibtex(references, ascii=ascii_only)
            entries = read_bibtex(bib)
            report[f"entries_{mode}"] = len(entries)
            report[f"biber_{mode}"] = biber_problems(bib, workdir) if has_biber() else None
            if has_bibtex():
                problems, bbl = bibtex_problems(bib, workdir, [e["ID"] for e in entries])
                report[f"bibtex_{mode}"] = problems
                report[f"bibitems_{mode}"] = bbl.count("\\bibitem")
            else:
                report[f"bibtex_{mode}"] = None
    report["ris"] = ris_mismatches(references)
    report["csljson"] = csl_problems(references)
    report["text_lines"] = len(to_text(references).splitlines())
    return report


def corpus_references(limit: int | None = None, matched_every: int = 2) -> list[Reference]:
    """The corpus strings through the parser; every ``matched_every``-th one given its catalog
    record as a confident match (so canonical records, with their deposit quirks, are exported too).
    """
    from refkit.parse import parse_reference

    works = {}
    with (CORPUS / "catalog.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            works[str(record.get("DOI", "")).lower()] = record
    references = []
    with (CORPUS / "refs.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                break
            item = json.loads(line)
            ref = parse_reference(item["raw"])
            ref.n = i + 1
            expect = (item.get("expect") or "").lower()
            if matched_every and i % matched_every == 0 and expect in works:
                ref.match = Match("matched", expect, 0.9, "catalog")
                ref.work = work_from_crossref(works[expect])
                ref.updates = list(ref.work.updated_by)
            references.append(ref)
    return references


def journal_agreement(references: list[Reference], golds: list[dict[str, Any]]) -> dict[str, Any]:
    """How often the exported journal name is the gold NLM abbreviation (folded), split by
    whether the reference carries a canonical record; and, for verified entries whose title has
    the cited words, how often its casing is the cited (sentence) casing."""
    from refkit.export import export_records
    from refkit.text import fold

    counts = {"verified": [0, 0], "unverified": [0, 0], "title_case": [0, 0]}
    misses: list[str] = []
    for record, gold in zip(export_records(references), golds, strict=True):
        title = gold.get("title")
        if record.verified and title and record.title and fold(record.title) == fold(title):
            counts["title_case"][1] += 1  # same words: does the casing agree with the cited one?
            counts["title_case"][0] += record.title == title
        want = gold.get("journal_abbrev")
        if not want:
            continue
        side = counts["verified" if record.verified else "unverified"]
        side[1] += 1
        if fold(record.journal or "") == fold(want):
            side[0] += 1
        elif len(misses) < 10:
            misses.append(f"{record.journal!r} for {want!r}")
    return {k: f"{a}/{b} ({a / b:.1%})" if b else "0/0" for k, (a, b) in counts.items()} | {"misses": misses}


def corpus_golds(limit: int | None = None) -> list[dict[str, Any]]:
    """The gold fields of the corpus strings, in the order ``corpus_references`` gives them."""
    golds = []
    with (CORPUS / "refs.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                break
            golds.append(json.loads(line)["gold"])
    return golds
