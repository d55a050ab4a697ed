"""Faults, limits and silence: the Crossref client (and a whole resolve) against a misbehaving server.

Every server here is the loopback test server; its random faults are drawn per request and attempt
from a seed, so a run meets the same faults whatever order its threads ask in.
"""

from __future__ import annotations

import copy
import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import reference_string, synthetic_works
from support.crossref_server import CrossrefServer, Fault
from support.resolve import catalog_records, page_ids, parsed_article

from refkit.messages import capture
from refkit.model import Article, Reference
from refkit.resolve import resolve_article
from refkit.resolve.crossref import CrossrefClient, CrossrefError, CrossrefUnavailable
from refkit.settings import Settings

WORKS = synthetic_works(30)
FAULTS = {"error_rate": 0.3, "truncate_rate": 0.1}  # the rates of issue 12


def _answers(client: CrossrefClient, works: list[dict]) -> list:
    """Each work searched for and looked up, six threads at a time (the pipeline's shape)."""
    def both(work: dict) -> tuple:
        return client.search(reference_string(work)), client.lookup(work["DOI"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(both, works))


def test_faults_change_no_answer_and_provoke_no_429(crossref_server, crossref_client, tmp_path):
    clean = crossref_server(WORKS, rate_limit=(40, "1s"), concurrency=3)
    faulty = crossref_server(WORKS, rate_limit=(40, "1s"), concurrency=3, **FAULTS)
    expected = _answers(crossref_client(clean, cache_dir=tmp_path / "clean"), WORKS)
    client = crossref_client(faulty, cache_dir=tmp_path / "faulty")
    assert _answers(client, WORKS) == expected
    calls = 2 * len(WORKS)
    assert faulty.faults_sent >= 0.3 * calls  # the faults did happen ...
    stats = client.stats()
    assert stats["failures_for_good"] == 0 and stats["retries"] == faulty.faults_sent  # ... and were retried
    assert faulty.throttled == 0 and stats["throttled_429"] == 0
    assert client.refusal is None


def _resolve_pages(url: str, cache_dir: Path, pages: list[str]) -> list[tuple]:
    settings = Settings(api_url=url, mailto="faults@example.org", cache_dir=cache_dir,
                        offline=False, retry_backoff=0.02)
    outcomes = []
    for page in pages:
        article = copy.deepcopy(parsed_article(page))
        with capture():  # a source going down is said through refkit.messages; quiet here
            resolve_article(article, settings)
        outcomes += [(page, r.n, r.match.status, r.match.doi, round(r.match.confidence, 6))
                     for r in article.references]
    return outcomes


def test_a_resolve_through_faults_ends_exactly_as_without(tmp_path):
    records = catalog_records()
    pages = page_ids()[:3]
    limits = {"rate_limit": (50, "1s"), "concurrency": 3}
    with CrossrefServer(records, **limits) as clean:
        expected = _resolve_pages(clean.url, tmp_path / "clean", pages)
    with CrossrefServer(records, index=clean.index, **limits, **FAULTS) as faulty:
        got = _resolve_pages(faulty.url, tmp_path / "faulty", pages)
        assert faulty.faults_sent >= 0.3 * clean.requests
        assert faulty.throttled == 0
    assert len(expected) > 40 and sum(o[2] == "matched" for o in expected) > 30
    assert got == expected


def _search_all(url: str, cache_dir: str, works: list[dict], barrier) -> tuple[list[str], dict]:
    client = CrossrefClient(Settings(api_url=url, mailto="test@example.org", cache_dir=Path(cache_dir),
                                     timeout=5.0), backoff=0.01)
    barrier.wait()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = list(pool.map(lambda w: client.search(reference_string(w))[0]["DOI"], works))
        return found, client.stats()
    finally:
        client.close()


def test_two_processes_sharing_a_cache_dir_keep_within_one_clients_limits(tmp_path):
    works = synthetic_works(60)
    halves = [works[:30], works[30:]]  # different questions: the cache cannot spare a request
    with CrossrefServer(works, rate_limit=(10, "1s"), concurrency=3, latency=0.3) as server:
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager:
            barrier = manager.Barrier(2)
            with context.Pool(2) as pool:
                runs = [pool.apply_async(_search_all, (server.url, str(tmp_path), half, barrier))
                        for half in halves]
                results = [run.get(timeout=120) for run in runs]
        assert [found for found, _ in results] == [[w["DOI"] for w in half] for half in halves]
        assert server.throttled_after(1.0) == 0
        assert server.throttled == 0
        assert server.max_in_flight <= 3 and server.max_per_interval <= 10
        assert sum(stats["throttled_429"] for _, stats in results) == 0


def test_a_server_that_never_answers_is_given_up_after_one_probe(crossref_server, crossref_client):
    server = crossref_server(hang=True)
    client = crossref_client(server, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(CrossrefUnavailable, match="Crossref is not answering at http://127.0.0.1.*0.5 s"):
        client.search("renal fibrosis")
    with pytest.raises(CrossrefUnavailable, match="not answering"):
        client.lookup(WORKS[0]["DOI"])
    assert time.monotonic() - started < 1.5
    assert server.requests == 1


def test_a_server_that_stops_answering_mid_run_is_given_up(crossref_server, crossref_client):
    server = crossref_server(WORKS)
    client = crossref_client(server, timeout=0.3)
    assert client.search(reference_string(WORKS[0]))[0]["DOI"] == WORKS[0]["DOI"]
    server.hang = True
    started = time.monotonic()
    outcomes = []

    def ask(work: dict) -> None:
        try:
            client.search(reference_string(work))
        except CrossrefError as err:
            outcomes.append(err)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(ask, WORKS[1:13]))
    assert len(outcomes) == 12 and all(isinstance(err, CrossrefUnavailable) for err in outcomes)
    assert "3 requests in a row got no answer in 0.3 s" in str(outcomes[-1])
    assert time.monotonic() - started < 5
    assert server.requests <= 1 + 3 * 2  # three in flight, each retried at most once before the verdict


def test_every_request_failing_ends_after_a_bounded_number_of_requests(crossref_server, crossref_client):
    server = crossref_server(WORKS, error_rate=1.0)
    client = crossref_client(server)
    with capture(), ThreadPoolExecutor(max_workers=6) as pool:
        errors = list(pool.map(lambda w: _error_of(client.search, reference_string(w)), WORKS))
    assert all(isinstance(err, CrossrefError) for err in errors)
    assert sum(isinstance(err, CrossrefUnavailable) for err in errors) >= len(WORKS) - 3
    # Three calls fail for good in a row, then nothing is asked. Calls under way by then (one per
    # thread, and two more begun by the threads whose calls failed first) stop at their next attempt.
    assert server.requests <= (6 + 2) * (client.settings.max_retries + 1)
    assert client.refusal == "Crossref is failing: 3 requests in a row failed after every retry"


def _error_of(call, *args) -> Exception | None:
    try:
        call(*args)
    except Exception as err:  # noqa: BLE001 - the test looks at which
        return err
    return None


def test_requests_given_up_on_keep_their_slots_under_load(crossref_server, crossref_client):
    # The server works on after a client times out; the client must count those requests as in
    # flight until they may be done, or its retries go over the limit (429s, as in issue 12).
    server = crossref_server(WORKS, rate_limit=(100, "1s"), concurrency=2, keep_working=True)
    client = crossref_client(server, timeout=0.3)
    client.lookup(WORKS[0]["DOI"])
    server.inject(Fault.slow(0.5), Fault.slow(0.5))  # both slots: the server is busy for 0.5 s
    with ThreadPoolExecutor(max_workers=6) as pool:
        found = list(pool.map(lambda w: client.search(reference_string(w))[0]["DOI"], WORKS[:20]))
    assert found == [w["DOI"] for w in WORKS[:20]]
    assert client.stats()["timeouts"] == 2
    assert server.throttled == 0


def test_a_resolve_against_a_server_that_never_answers_ends_fast_and_says_so(tmp_path, capsys):
    with CrossrefServer(WORKS, hang=True) as server:
        settings = Settings(api_url=server.url, cache_dir=tmp_path,
                            timeout=0.5)
        refs = [Reference(raw=reference_string(w), n=i) for i, w in enumerate(WORKS, 1)]
        article = Article(references=refs)
        started = time.monotonic()
        resolve_article(article, settings)
        assert time.monotonic() - started < 5
        assert server.requests == 1  # the probe, and nothing fanned out after it
    assert capsys.readouterr().err.count("Crossref is not answering") == 1
    assert all(r.match is not None for r in article.references)
