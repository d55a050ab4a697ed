"""Ranking quality of the loopback Crossref server's search over the corpus pages' references.

    python bench/score_search.py [--k 5] [--http]

Prints recall@1 and recall@k (the expected work among the first k results) and the time per
query; with --http the queries go through the real client and a loopback server.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.crossref_server import CrossrefServer, WorkIndex, load_records
from support.search import CORPUS, page_references, score_search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--http", action="store_true", help="through CrossrefClient and a loopback server")
    args = parser.parse_args()
    index = WorkIndex(load_records(CORPUS / "catalog.jsonl"))
    refs = page_references()
    start = time.perf_counter()
    if args.http:
        from refkit.resolve.crossref import CrossrefClient
        from refkit.settings import Settings

        with CrossrefServer([], index=index, rate_limit=(1000, "1s"), concurrency=8) as server, \
                tempfile.TemporaryDirectory() as cache:
            client = CrossrefClient(Settings(api_url=server.url, mailto="bench@example.org",
                                             cache_dir=Path(cache)))
            score = score_search(client.search, refs, args.k)
            client.close()
    else:
        score = score_search(lambda q, k: [r for _, r in index.search(q, k)[1]], refs, args.k)
    elapsed = time.perf_counter() - start
    print(f"queries        {score.queries}")
    print(f"recall@1       {score.recall_at_1:.4f}")
    print(f"recall@{args.k:<8d}{score.recall_at_k:.4f}")
    print(f"ms per query   {1000 * elapsed / max(score.queries, 1):.1f}")
    for raw in score.missed[:10]:
        print("missed:", " ".join(raw.split())[:150])


if __name__ == "__main__":
    main()
