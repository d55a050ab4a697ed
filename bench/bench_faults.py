"""What faults cost: the Crossref client and a whole resolve against a misbehaving loopback server.

    python bench/bench_faults.py [--works 60] [--seeds 5] [--timeout 20] [--quick]

1. Fault rates vs outcomes: ``--works`` synthetic works searched and looked up (six threads) at
   each injected rate of 5xx / truncated bodies, over ``--seeds`` seeds, with the client's real
   backoff; printed: answers that differ from a fault-free run, calls failed for good (and the
   rate the retry count predicts), requests, retries, 429s, wall time.
2. Three corpus pages through ``refkit.resolve.resolve_article(article, settings)`` at 30% 5xx and
   10% truncated bodies: outcomes that differ from a fault-free run, 429s, time.
3. Every request failing (all 5xx), the same three pages: how long the run takes to end.
4. A server that accepts and never answers, with the real read timeout (``--timeout``): time to
   "not answering".
5. Two processes sharing one cache directory against a server enforcing 10/s and 3 in flight:
   429s (in all, after the first second), time, against the bound the limits set.

``--quick`` skips 4 (it waits a whole read timeout) and uses one seed.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from conftest import reference_string, synthetic_works
from support.crossref_server import CrossrefServer
from support.resolve import catalog_records, page_ids, parsed_article

from refkit.messages import capture
from refkit.resolve import Resolver, default_sources, resolve_article
from refkit.resolve.crossref import CrossrefClient, CrossrefError
from refkit.settings import Settings

RATES = [(0.0, 0.0), (0.1, 0.0), (0.3, 0.0), (0.3, 0.1), (0.5, 0.1)]
LIMITS = {"rate_limit": (50, "1s"), "concurrency": 3}


def _client_run(works: list[dict], **server_options) -> tuple[list, dict, int, int, float]:
    with CrossrefServer(works, **LIMITS, **server_options) as server, tempfile.TemporaryDirectory() as cache:
        settings = Settings(api_url=server.url, mailto="bench@example.org", cache_dir=Path(cache))
        client = CrossrefClient(settings)

        def both(work: dict):
            try:
                return client.search(reference_string(work)), client.lookup(work["DOI"])
            except CrossrefError as err:
                return f"error: {err}"

        started = time.monotonic()
        with capture(), ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(both, works))
        seconds = time.monotonic() - started
        stats = client.stats()
        client.close()
        return answers, stats, server.requests, server.throttled, seconds


def fault_rates(n_works: int, seeds: int) -> None:
    works = synthetic_works(n_works)
    clean, *_ = _client_run(works)
    attempts = Settings().max_retries + 1
    print(f"1. client, {n_works} works x (search + lookup), {seeds} seed(s), {attempts} attempts per call, "
          "server 50/s, 3 in flight")
    print("   5xx   cut   differ  failed-for-good  predicted  requests  retries  429s   time")
    for error_rate, truncate_rate in RATES:
        differ = failed = requests = retries = throttled = 0
        seconds = 0.0
        for seed in range(seeds):
            answers, stats, sent, over, took = _client_run(works, error_rate=error_rate,
                                                           truncate_rate=truncate_rate, seed=seed)
            differ += sum(a != b for a, b in zip(answers, clean, strict=True))
            failed += stats["failures_for_good"]
            requests, retries, throttled, seconds = requests + sent, retries + stats["retries"], \
                throttled + over, seconds + took
        calls = 2 * n_works * seeds
        predicted = (error_rate + truncate_rate) ** attempts
        print(f"   {error_rate:4.0%}  {truncate_rate:4.0%}  {differ:6d}  {failed:6d} of {calls:<6d} "
              f"{predicted:9.2e}  {requests / seeds:8.0f}  {retries / seeds:7.0f}  {throttled:4d}  "
              f"{seconds / seeds:5.1f} s")


def _resolve(url: str, pages: list[str], cache: Path, *,
             one_run: bool = False) -> tuple[list[tuple], float, str]:
    """Resolve the pages; ``one_run``: with one set of sources for all, as ``refkit resolve`` does."""
    settings = Settings(api_url=url, mailto="bench@example.org", cache_dir=cache)
    resolver = Resolver(default_sources(settings)) if one_run else None
    outcomes = []
    started = time.monotonic()
    for page in pages:
        article = copy.deepcopy(parsed_article(page))
        with capture():
            resolve_article(article, settings, resolver=resolver)
        outcomes += [(page, r.n, r.match.status, r.match.doi) for r in article.references]
    seconds = time.monotonic() - started
    live = [s for s in resolver.sources if not s.local and hasattr(s, "summary")] if resolver else []
    summary = live[0].summary() if live else ""
    return outcomes, seconds, summary


def whole_resolve() -> None:
    records = catalog_records()
    pages = page_ids()[:3]
    with tempfile.TemporaryDirectory() as tmp:
        with CrossrefServer(records, **LIMITS) as clean:
            expected, clean_s, _ = _resolve(clean.url, pages, Path(tmp) / "clean")
        faults = {"error_rate": 0.3, "truncate_rate": 0.1}
        with CrossrefServer(records, index=clean.index, **faults, **LIMITS) as faulty:
            got, faulty_s, _ = _resolve(faulty.url, pages, Path(tmp) / "faulty")
            differ = sum(a != b for a, b in zip(got, expected, strict=True))
            print(f"2. resolve_article, pages {', '.join(pages)} ({len(expected)} references), "
                  f"30% 5xx + 10% cut: {differ} outcomes differ; {faulty.faults_sent} faults sent, "
                  f"{faulty.throttled} 429s; {faulty_s:.1f} s (no faults: {clean_s:.1f} s)")
        with CrossrefServer(records, index=clean.index, error_rate=1.0, **LIMITS) as failing:
            got, failing_s, summary = _resolve(failing.url, pages, Path(tmp) / "failing", one_run=True)
            statuses: dict[str, int] = {}
            for outcome in got:
                statuses[outcome[2]] = statuses.get(outcome[2], 0) + 1
            print(f"3. every request failing (5xx), same pages in one run: ended in {failing_s:.1f} s after "
                  f"{failing.requests} requests; statuses {statuses}\n   {summary}")


def never_answering(timeout: float) -> None:
    with CrossrefServer([], hang=True) as server, tempfile.TemporaryDirectory() as cache:
        client = CrossrefClient(Settings(api_url=server.url, cache_dir=Path(cache), timeout=timeout))
        started = time.monotonic()
        try:
            client.search("renal fibrosis")
        except CrossrefError as err:
            said = str(err)
        seconds = time.monotonic() - started
        print(f"4. never answering, read timeout {timeout:g} s: gave up in {seconds:.1f} s "
              f"after {server.requests} request(s): {said}")
        client.close()


def _search_all(url: str, cache_dir: str, queries: list[str], barrier) -> dict:
    client = CrossrefClient(Settings(api_url=url, mailto="bench@example.org", cache_dir=Path(cache_dir)))
    barrier.wait()
    started = time.time()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(client.search, queries))
    stats = {**client.stats(), "started": started, "ended": time.time()}
    client.close()
    return stats


def two_processes(n_works: int) -> None:
    works = synthetic_works(2 * n_works)
    halves = [[reference_string(w) for w in works[:n_works]], [reference_string(w) for w in works[n_works:]]]
    latency = 0.3  # at 10/s, three in flight are needed: both limits bind
    with CrossrefServer(works, rate_limit=(10, "1s"), concurrency=3, latency=latency) as server, \
            tempfile.TemporaryDirectory() as cache:
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager:
            barrier = manager.Barrier(2)
            with context.Pool(2) as pool:
                runs = [pool.apply_async(_search_all, (server.url, cache, half, barrier)) for half in halves]
                stats = [run.get() for run in runs]
                seconds = max(s["ended"] for s in stats) - min(s["started"] for s in stats)
        bound = 2 * n_works / 10
        print(f"5. two processes, one cache directory, {2 * n_works} searches, server 10/s and 3 in flight: "
              f"{server.throttled} 429s ({server.throttled_after(1.0)} after the first second), "
              f"max in flight {server.max_in_flight}, max per second {server.max_per_interval}; "
              f"{seconds:.1f} s (bound {bound:.1f} s; {sum(s['requests'] for s in stats)} requests)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--works", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=Settings().timeout)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    fault_rates(args.works, 1 if args.quick else args.seeds)
    whole_resolve()
    if not args.quick:
        never_answering(args.timeout)
    two_processes(30)


if __name__ == "__main__":
    main()
