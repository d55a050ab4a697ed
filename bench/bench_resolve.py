"""Throughput of Crossref lookups under Crossref's limits, against the loopback server.

    python bench/bench_resolve.py [--n 200] [--latency 0.15] [--rate 10] [--concurrency 3] [--pipeline]

N corpus reference strings are searched (``query.bibliographic``, rows=5) from a thread pool sized
by the client, the way the resolve pipeline does (``--pipeline`` drives
``refkit.resolve.resolve_article`` itself, with Crossref as the only source). The server adds
``latency`` to every answer and enforces the limits it announces. Printed: wall time, requests
made, 429s, and the ratio to the bound the limits set, max(N/rate, N·latency/concurrency).
Targets: ratio <= 1.15, one request per reference, zero 429s. Then the same run again on the
warm cache (targets: no request, well under a second).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.crossref_server import CrossrefServer, load_records

from refkit.model import Article, Reference
from refkit.resolve.crossref import CrossrefClient
from refkit.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus"


def reference_strings(n: int) -> list[str]:
    """The first ``n`` distinct reference strings of the corpus."""
    seen: dict[str, None] = {}
    with open(CORPUS / "refs.jsonl", encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)["raw"]
            seen.setdefault(" ".join(raw.split()))
            if len(seen) == n:
                break
    return list(seen)


def run(client: CrossrefClient, refs: list[str], pipeline: bool) -> tuple[float, int]:
    """(seconds, references that ended without an answer)."""
    start = time.perf_counter()
    if pipeline:
        from refkit.resolve import resolve_article

        references = [Reference(raw=raw, n=i + 1) for i, raw in enumerate(refs)]
        article = Article(source="bench", references=references)
        from refkit.resolve.crossref_records import CrossrefSource

        resolve_article(article, client.settings, sources=[CrossrefSource(client)])
        lost = sum(ref.match is None or ref.match.status == "error" for ref in article.references)
    else:
        # As the resolver does: enough workers for what the server may allow; the client's gate
        # admits them as its limits say (1 in flight until the server has announced more).
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda raw: client.search(raw, rows=5), refs))
        lost = sum(not items for items in answers)
    return time.perf_counter() - start, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--rate", type=int, default=10, help="requests per second the server allows")
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--pipeline", action="store_true", help="drive refkit.resolve.resolve_article")
    args = parser.parse_args()

    refs = reference_strings(args.n)
    records = load_records(CORPUS / "catalog.jsonl")
    bound = max(len(refs) / args.rate, len(refs) * args.latency / args.concurrency)
    with CrossrefServer(records, latency=args.latency, rate_limit=(args.rate, "1s"),
                        concurrency=args.concurrency) as server, tempfile.TemporaryDirectory() as cache:
        settings = Settings(api_url=server.url, mailto="bench@example.org", cache_dir=Path(cache), timeout=10)
        with CrossrefClient(settings) as client:
            seconds, lost = run(client, refs, args.pipeline)
            stats = client.stats()
        print(f"references          {len(refs)}  ({'resolve_article' if args.pipeline else 'search'}; "
              f"server: {args.latency * 1000:.0f} ms latency, {args.rate}/s, {args.concurrency} in flight)")
        print(f"wall time           {seconds:.2f} s")
        print(f"bound               {bound:.2f} s   ratio {seconds / bound:.3f}   (target <= 1.15)")
        print(f"requests made       {server.requests}   per reference {server.requests / len(refs):.2f}")
        print(f"429s received       {stats['throttled_429']}   "
              f"(server sent {server.throttled} for going over a limit)")
        print(f"max in flight       {server.max_in_flight}   max per interval {server.max_per_interval}")
        print(f"retries/errors      {stats['retries']}/{stats['faults']}   unanswered {lost}")

        server.reset_counters()
        with CrossrefClient(settings) as client:
            seconds, lost = run(client, refs, args.pipeline)
            hits = client.stats()["cache_hits"]
        print(f"warm cache          {seconds:.3f} s   requests {server.requests}   cache hits {hits}   "
              f"unanswered {lost}")


if __name__ == "__main__":
    main()
