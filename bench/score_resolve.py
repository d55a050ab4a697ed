"""Score `refkit resolve` on the 40 corpus pages: precision / recall of DOIs against gold ``expect``.

    .venv/bin/python bench/score_resolve.py [--gold-fields] [--quirks SEED] [--pages 001 002 ...]
    .venv/bin/python bench/score_resolve.py --deposit all|each|FAMILY... [--quirks SEED] [--rate R] [--stack]

Runs the real pipeline (parser on the page text, then resolve) three ways: against the loopback
Crossref server over tests/data/corpus/catalog.jsonl with an empty catalog and cache; against a
temporary local catalog holding the same records; and against a catalog whose records carry
random deposit quirks (a check that the rules generalise). Prints each wrong DOI and each miss
with its reason. ``--deposit`` instead runs the server and catalog paths over a catalog carrying the
deposit-quirk families of ``support.resolve.DEPOSIT_QUIRKS`` (``each``: one run per family,
then all together; ``all``: all together), one summary line per run unless ``--verbose``.
Targets: precision >= 0.99, recall >= 0.97 (Crossref's SBMV: 0.964 / 0.963).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.resolve import (  # noqa: E402
    CORPUS,
    DEPOSIT_QUIRKS,
    article_from_gold,
    catalog_records,
    deposit_quirks,
    page_ids,
    parsed_article,
    quirky_records,
    report,
    run_pages,
    score_catalog,
    score_server,
)

from refkit.resolve.catalog import LocalCatalog  # noqa: E402
from refkit.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold-fields", action="store_true",
                        help="Build references from gold fields instead of parsing (matcher-only figures).")
    parser.add_argument("--quirks", type=int, default=0, metavar="SEED", help="Seed of the quirky catalog.")
    parser.add_argument("--pages", nargs="*", help="Only these pages (e.g. 001 017).")
    parser.add_argument("--deposit", nargs="+", metavar="FAMILY",
                        help=f"Deposit-quirk families: all, each, or some of {', '.join(DEPOSIT_QUIRKS)}.")
    parser.add_argument("--rate", type=float, default=0.5, help="Share of records given a deposit quirk.")
    parser.add_argument("--verbose", action="store_true", help="With --deposit: list wrong DOIs and misses.")
    parser.add_argument("--stack", action="store_true",
                        help="With --deposit: apply the --quirks catalog quirks first, then these.")
    args = parser.parse_args()
    pages = args.pages or page_ids()

    started = time.perf_counter()
    if args.gold_fields:
        articles = {p: article_from_gold(p) for p in pages}
    else:
        articles = {p: parsed_article(p) for p in pages}
    print(f"{len(pages)} pages, {sum(len(a.references) for a in articles.values())} references "
          f"({'gold fields' if args.gold_fields else 'parsed'} in {time.perf_counter() - started:.1f}s)")

    def fresh(page: str):
        return copy.deepcopy(articles[page])

    if args.deposit:
        _deposit_runs(args, fresh, pages)
        return

    for name, run in (("loopback Crossref", partial(score_server, fresh, pages=pages)),
                      ("local catalog", partial(score_catalog, fresh, pages=pages)),
                      (f"quirky catalog (seed {args.quirks})", partial(_quirky, fresh, pages, args.quirks))):
        started = time.perf_counter()
        score = run()
        print(report(name, score))
        print(f"  ({time.perf_counter() - started:.1f}s)")


def _deposit_runs(args: argparse.Namespace, make, pages: list[str]) -> None:
    if args.deposit == ["each"]:
        runs = [[q] for q in DEPOSIT_QUIRKS] + [list(DEPOSIT_QUIRKS)]
    elif args.deposit == ["all"]:
        runs = [list(DEPOSIT_QUIRKS)]
    else:
        runs = [args.deposit]
    originals = catalog_records()
    if args.stack:
        originals = quirky_records(originals, seed=args.quirks)
    for families in runs:
        records = deposit_quirks(originals, families, seed=args.quirks, rate=args.rate)
        label = "all" if len(families) == len(DEPOSIT_QUIRKS) else "+".join(families)
        for path, run in (("server", score_server), ("catalog", score_catalog)):
            score = run(make, pages=pages, records=records)
            text = report(f"{label:<11} {path:<7}", score)
            print(text if args.verbose else text.splitlines()[0], flush=True)


def _quirky(make, pages: list[str], seed: int):
    lines = (CORPUS / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp), offline=True)
        catalog = LocalCatalog(settings)
        catalog.add_records(quirky_records(records, seed=seed))
        try:
            return run_pages(make, [catalog], pages=pages, settings=settings)
        finally:
            catalog.close()


if __name__ == "__main__":
    main()
