"""Score PMID linking on the 40 corpus pages against loopback E-utilities and Crossref servers.

    .venv/bin/python bench/score_pubmed.py [--seed N] [--no-key] [--pages 001 002 ...] [--verbose]
    .venv/bin/python bench/score_pubmed.py --stream 30000   # reading a baseline-sized file

The PubMed side is ``support.pubmed_corpus.build(seed)``: the corpus's gold PMIDs as PubMed XML,
10% left out on purpose, near-miss distractors. Seed 0 is the development catalog, seed 1 the
held-out one (``--held-out`` runs both). The Crossref side is the loopback Crossref server over
tests/data/corpus/catalog.jsonl; the local catalog and cache start empty. Prints PMID precision
and recall, the DOI figures of the same run, the time, the E-utilities requests and the 429s.
Targets: PMID precision >= 0.99, recall >= 0.97, no 429. ``--pubmed-only`` leaves Crossref out,
so every reference goes through ECitMatch / ESearch and meets the distractors. ``--stream N`` instead times
``iter_pubmed_works`` over a gzipped PubmedArticleSet of N records (the corpus catalog's, repeated
under new PMIDs: the size of one NLM baseline file) and prints the peak memory it took.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.pubmed_corpus import DEV_SEED, HELD_OUT_SEED, build, run  # noqa: E402


def stream(n: int) -> None:
    import gzip
    import re
    import tempfile
    import time
    import tracemalloc

    from refkit.resolve.pubmed_records import iter_pubmed_works

    articles = build(DEV_SEED).articles
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pubmed25n0001.xml.gz"
        with gzip.open(path, "wt", encoding="utf-8") as out:
            out.write('<?xml version="1.0" ?>\n<PubmedArticleSet>\n')
            for i in range(n):
                xml = articles[i % len(articles)]
                pmid = f'<PMID Version="1">{50_000_000 + i}</PMID>'
                out.write(re.sub(r"<PMID Version=\"1\">\d+</PMID>", pmid, xml, count=1) + "\n")
            out.write("</PubmedArticleSet>\n")
        size = path.stat().st_size
        tracemalloc.start()
        start = time.perf_counter()
        count = sum(1 for _ in iter_pubmed_works(path))
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(
        f"iter_pubmed_works: {count} records from {size / 1e6:.1f} MB gzipped in {seconds:.2f} s "
        f"({count / seconds:,.0f} records/s, traced; peak Python memory {peak / 1e6:.1f} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=DEV_SEED)
    parser.add_argument("--held-out", action="store_true", help="score the development and held-out catalogs")
    parser.add_argument("--no-key", action="store_true", help="no api_key: NCBI's 3 requests/s")
    parser.add_argument("--pages", nargs="*")
    parser.add_argument(
        "--dois-beyond-crossref",
        action="store_true",
        help="PubMed records of works catalog.jsonl leaves out carry their DOI",
    )
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument(
        "--pubmed-only",
        action="store_true",
        help="no Crossref: every reference is searched in PubMed (distractors compete)",
    )
    parser.add_argument("--stream", type=int, metavar="N", help="time reading N records instead")
    args = parser.parse_args(argv)
    if args.stream:
        stream(args.stream)
        return 0
    seeds = [DEV_SEED, HELD_OUT_SEED] if args.held_out else [args.seed]
    for seed in seeds:
        catalog = build(seed, dois_beyond_crossref=args.dois_beyond_crossref)
        result = run(
            catalog,
            api_key=None if args.no_key else "bench-key",
            pages=args.pages,
            crossref=not args.pubmed_only,
        )
        p, d = result.pmid, result.doi.summary()
        name = "dev" if seed == DEV_SEED else ("held-out" if seed == HELD_OUT_SEED else f"seed {seed}")
        print(
            f"{name} (seed {seed}; {len(catalog.articles)} PubMed records, {len(catalog.left_out)} works "
            f"left out, {len(catalog.distractors)} distractors)"
        )
        print(
            f"  PMID precision {p.precision:.4f}  recall {p.recall:.4f}  "
            f"({p.correct} correct / {p.given} given / {p.expected} expected)"
        )
        print(
            f"  DOI  precision {d['precision']:.4f}  recall {d['recall']:.4f}  "
            f"({d['correct']} correct / {d['given']} given / {d['expected']} expected)"
        )
        right, given = result.true_doi
        print(f"  DOI  given that are the cited work's own DOI: {right} / {given}")
        print(
            f"  {result.seconds:.1f} s; E-utilities: {result.requests} requests, {result.throttled} over the "
            f"limit (429), at most {result.max_per_second} in one second; {result.client}"
        )
        if args.verbose:
            for line in p.wrong:
                print("  WRONG", line)
            for line in p.misses:
                print("  MISS ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
