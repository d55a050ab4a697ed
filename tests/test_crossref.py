"""The Crossref client against the loopback Crossref-compatible server: real HTTP, 127.0.0.1 only."""

from __future__ import annotations

import multiprocessing
import socket
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import reference_string, synthetic_work, synthetic_works
from support.crossref_server import Fault

from refkit.resolve.crossref import CACHE_FILE, CrossrefClient, CrossrefError, CrossrefUnavailable
from refkit.settings import Settings

WORKS = synthetic_works()


def _top_doi(client, work: dict) -> str:
    return client.search(reference_string(work))[0]["DOI"]


# --- answers -----------------------------------------------------------------------------------
def test_search_returns_the_ranked_items_of_the_work_list(crossref_server, crossref_client):
    server = crossref_server()
    client = crossref_client(server)
    items = client.search(reference_string(WORKS[7]), rows=3)
    assert len(items) == 3
    assert items[0]["DOI"] == WORKS[7]["DOI"]
    assert items[0]["score"] >= items[1]["score"]
    (request,) = server.log
    assert request.path == "/works"
    assert request.params["query.bibliographic"] == " ".join(reference_string(WORKS[7]).split())
    assert request.params["rows"] == "3"


def test_lookup_url_encodes_the_doi_and_returns_the_work(crossref_server, crossref_client):
    odd = synthetic_work(900, "A title", "Odd", "J Odd", 1998, DOI="10.5555/(SICI)1998<6:638>3.0.CO;2-Q")
    server = crossref_server([odd])
    client = crossref_client(server)
    work = client.lookup("10.5555/(sici)1998<6:638>3.0.co;2-q")  # DOIs ignore case
    assert work["DOI"] == odd["DOI"]
    assert "/" not in server.log[0].path.removeprefix("/works/")  # the slash went as %2F


def test_unknown_doi_is_none_not_an_error(crossref_server, crossref_client):
    server = crossref_server()
    client = crossref_client(server)
    assert client.lookup("10.5555/no-such-work") is None
    assert client.bibtex("10.5555/no-such-work") is None
    assert server.log[0].status == 404
    assert client.stats()["faults"] == 0


def test_bibtex_comes_from_the_transform_route(crossref_server, crossref_client):
    server = crossref_server()
    client = crossref_client(server)
    entry = client.bibtex(WORKS[3]["DOI"])
    assert entry.startswith("@article{Author003_")
    assert WORKS[3]["DOI"] in entry
    assert server.log[0].path.endswith("/transform/application/x-bibtex")


def test_a_rejected_request_raises_with_the_servers_message(crossref_server, crossref_client):
    server = crossref_server()
    client = crossref_client(server)
    with pytest.raises(CrossrefError) as caught:
        client.search("renal fibrosis", rows=5000)  # over Crossref's maximum of 1000
    assert caught.value.status == 400
    assert "Integer specified as 5000" in caught.value.reason
    assert server.requests == 1  # a 400 is not retried


# --- faults ------------------------------------------------------------------------------------
def test_429_honours_retry_after_and_slows_down(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(100, "1s"))
    client = crossref_client(server)
    server.inject(Fault.throttle(retry_after=0.3), Fault.throttle())
    assert _top_doi(client, WORKS[1]) == WORKS[1]["DOI"]
    first, second, third = server.log
    assert (first.status, second.status, third.status) == (429, 429, 200)
    assert second.at - first.at >= 0.3
    assert client.stats()["throttled_429"] == 2
    assert client._gate.slowdown > 1


def test_a_429_is_pacing_and_spends_no_attempt(crossref_server, crossref_client):
    server = crossref_server()
    client = crossref_client(server, max_retries=0)  # no retry for a fault ...
    server.inject(Fault.throttle(retry_after=0.05), Fault.throttle(retry_after=0.05))
    assert _top_doi(client, WORKS[1]) == WORKS[1]["DOI"]  # ... but a 429 is only "wait"
    stats = client.stats()
    assert (stats["throttled_429"], stats["faults"], stats["failures_for_good"]) == (2, 0, 0)


def test_a_5xx_with_retry_after_waits_as_told(crossref_server, crossref_client):
    server = crossref_server()
    client = crossref_client(server)
    server.inject(Fault.status(503, retry_after=0.4))
    assert _top_doi(client, WORKS[1]) == WORKS[1]["DOI"]
    failed, answered = server.log
    assert answered.at - failed.at >= 0.4


@pytest.mark.parametrize("fault", [Fault.status(503), Fault.status(500), Fault.truncated(), Fault.bad_json(),
                                   Fault.dropped(), Fault.reset()], ids=lambda f: f"{f.kind}-{f.code}")
def test_transient_faults_are_retried(crossref_server, crossref_client, fault):
    server = crossref_server()
    client = crossref_client(server)
    server.inject(fault, fault)
    assert _top_doi(client, WORKS[2]) == WORKS[2]["DOI"]
    assert server.requests == 3
    assert client.stats()["retries"] == 2
    assert client.stats()["faults"] == 2


def test_a_response_slower_than_the_timeout_is_retried(crossref_server, crossref_client):
    server = crossref_server()
    client = crossref_client(server, timeout=0.3)
    client.lookup(WORKS[0]["DOI"])  # the server has answered once: a timeout is now worth a retry
    server.inject(Fault.slow(1.0))
    assert _top_doi(client, WORKS[4]) == WORKS[4]["DOI"]
    assert [r.fault for r in server.log] == [None, "slow", None]
    assert client.stats()["timeouts"] == 1


def test_a_timed_out_request_keeps_its_slot_while_the_server_may_still_work(crossref_server,
                                                                             crossref_client):
    # The server keeps working on an abandoned request (as a real one does) and allows one in flight:
    # a retry sent as soon as the client gives up would be over the limit.
    server = crossref_server(concurrency=1, keep_working=True)
    client = crossref_client(server, timeout=0.3)
    client.lookup(WORKS[0]["DOI"])
    server.inject(Fault.slow(0.5))
    assert _top_doi(client, WORKS[4]) == WORKS[4]["DOI"]
    slow, retry = server.log[1:]
    assert slow.fault == "slow" and retry.status == 200
    assert retry.at - slow.at >= 0.6  # 0.3 s waiting, then the slot held as long again
    assert server.throttled == 0


def test_retries_are_bounded(crossref_server, crossref_client):
    server = crossref_server()
    client = crossref_client(server, max_retries=2)
    server.inject(*[Fault.status(503)] * 5)
    with pytest.raises(CrossrefError) as caught:
        client.search("renal fibrosis")
    assert not isinstance(caught.value, CrossrefUnavailable)
    assert "HTTP 503" in caught.value.reason
    assert server.requests == 3
    assert client.stats()["failures_for_good"] == 1


def test_unreadable_limit_headers_keep_the_limits_in_force(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(40, "1s"), concurrency=2)
    client = crossref_client(server)
    client.search("renal fibrosis")
    assert (client.limits.rate, client.limits.interval, client.concurrency) == (40, 1.0, 2)
    server.inject(Fault.garbage_headers())
    client.search("hepatic carcinoma")
    assert (client.limits.rate, client.limits.interval, client.concurrency) == (40, 1.0, 2)


def test_limits_start_at_the_pool_defaults_then_follow_the_server(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(20, "500ms"), concurrency=4)
    public = crossref_client(server, mailto=None)
    polite = crossref_client(server)
    # Until a first answer, the public pool's limits for both: a guess above the real ones earns 429s.
    assert (public.limits.rate, public.concurrency) == (5, 1)
    assert (polite.limits.rate, polite.concurrency) == (5, 1)
    public.search("renal fibrosis")
    assert (public.limits.rate, public.limits.interval, public.concurrency) == (20, 0.5, 4)


# --- limits under load ---------------------------------------------------------------------------
def test_concurrency_limit_is_never_exceeded_but_is_used(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(200, "1s"), concurrency=2, latency=0.1)
    client = crossref_client(server)
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda w: _top_doi(client, w), WORKS[:24]))
    assert found == [w["DOI"] for w in WORKS[:24]]
    assert server.throttled == 0
    assert server.max_in_flight == 2


def test_first_request_goes_alone_until_the_limits_are_known(crossref_server, crossref_client):
    server = crossref_server(concurrency=1, latency=0.05)
    client = crossref_client(server)  # the polite pool's default is 3 in flight: too many here
    with ThreadPoolExecutor(max_workers=6) as pool:
        found = list(pool.map(lambda w: _top_doi(client, w), WORKS[:6]))
    assert found == [w["DOI"] for w in WORKS[:6]]
    assert server.throttled == 0
    assert server.max_in_flight == 1


def test_request_rate_is_never_exceeded(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(20, "1s"), concurrency=3)
    client = crossref_client(server)
    with ThreadPoolExecutor(max_workers=6) as pool:
        found = list(pool.map(lambda w: _top_doi(client, w), WORKS[:30]))
    assert found == [w["DOI"] for w in WORKS[:30]]
    assert server.throttled == 0
    assert server.max_per_interval <= 20


def test_no_search_is_lost_among_concurrent_faults(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(100, "1s"), concurrency=3, latency=0.01)
    client = crossref_client(server, error_minimum=1000)  # five faults in the first twenty: over budget
    server.inject(Fault.status(503), Fault.dropped(), Fault.throttle(retry_after=0.1), Fault.truncated(),
                  Fault.bad_json())
    with ThreadPoolExecutor(max_workers=6) as pool:
        found = list(pool.map(lambda w: _top_doi(client, w), WORKS))
    assert found == [w["DOI"] for w in WORKS]
    assert server.pending_faults == 0
    assert server.throttled == 0  # the injected 429 is not one the client earned
    assert server.requests == len(WORKS) + 5


def test_calls_failing_for_good_in_a_row_stop_all_requests(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(1000, "1s"))
    client = crossref_client(server, max_retries=1)
    server.inject(*[Fault.status(502)] * 10)
    outcomes = []
    for work in WORKS[:30]:
        try:
            outcomes.append(_top_doi(client, work) == work["DOI"])
        except CrossrefUnavailable as err:
            outcomes.append(str(err))
        except CrossrefError:
            outcomes.append(False)
    refusal = outcomes[2]
    assert outcomes[:2] == [False, False]  # two calls failed for good (two attempts each) ...
    assert refusal == "Crossref is failing: 3 requests in a row failed after every retry"  # ... the third too
    assert server.requests == 6
    assert client.stats()["failures_for_good"] == 3
    assert client.summary().endswith(f"; stopped: {refusal}")
    with pytest.raises(CrossrefUnavailable):
        client.lookup(WORKS[0]["DOI"])
    assert server.requests == 6  # refused without asking


def test_the_budget_counts_calls_failed_for_good_not_failed_attempts(crossref_server, crossref_client):
    # Half the attempts fail: the old budget (10% of attempts) gave up within twenty requests.
    server = crossref_server(rate_limit=(1000, "1s"), error_rate=0.4, seed=7)
    client = crossref_client(server, max_retries=6)
    found = [_top_doi(client, work) for work in WORKS[:30]]
    assert found == [w["DOI"] for w in WORKS[:30]]
    stats = client.stats()
    assert stats["faults"] > 10 and stats["failures_for_good"] == 0
    assert client.refusal is None


def test_a_share_of_calls_failing_for_good_stops_requests(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(1000, "1s"))
    client = crossref_client(server, max_retries=0, error_minimum=10)
    for n, work in enumerate(WORKS[:30]):
        if n % 4 == 0:
            server.inject(Fault.status(500))  # every fourth call fails (never three in a row)
        try:
            client.search(reference_string(work))
        except CrossrefUnavailable as err:
            # checked when a call fails for good: the fourth failure, the thirteenth call
            assert str(err) == "too many errors from Crossref (4 of 13 requests failed after every retry)"
            break
        except CrossrefError:
            pass
    else:
        pytest.fail("never gave up")
    assert n == 12


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_is_unavailable_at_once_and_stays_so(crossref_client):
    client = crossref_client(f"http://127.0.0.1:{_closed_port()}", max_retries=4, backoff=5.0)
    with pytest.raises(CrossrefUnavailable, match="Crossref unreachable at http://127.0.0.1"):
        client.search("renal fibrosis")  # a backoff of 5 s would make a retry obvious
    assert client.stats()["requests"] == 1
    with pytest.raises(CrossrefUnavailable, match="unreachable"):
        client.lookup("10.5555/x")
    assert client.stats()["requests"] == 1


def test_a_server_that_never_accepts_is_unreachable_after_two_connect_timeouts(crossref_client):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # never accepted: once the backlog is full, new connections hang
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(3)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
            client = crossref_client(f"http://127.0.0.1:{port}", timeout=0.3, max_retries=4)
            with pytest.raises(CrossrefUnavailable, match="unreachable.*connection timed out"):
                client.search("renal fibrosis")
            assert client.stats()["requests"] == 2
        finally:
            for filler in fillers:
                filler.close()


def test_polite_pool_identification(crossref_server, crossref_client):
    server = crossref_server()
    polite = crossref_client(server, mailto="someone@example.org")
    polite.search("renal fibrosis")
    public = crossref_client(server, mailto=None, cache_dir=polite.settings.cache_dir / "other")
    public.search("renal fibrosis")
    sent_polite, sent_public = server.log
    assert sent_polite.params["mailto"] == "someone@example.org"
    assert sent_polite.headers["user-agent"].startswith("refkit/")
    assert "mailto:someone@example.org" in sent_polite.headers["user-agent"]
    assert "mailto" not in sent_public.params
    assert "mailto" not in sent_public.headers["user-agent"]
    assert (polite.pool, public.pool) == ("polite", "public")


# --- cache -------------------------------------------------------------------------------------
def test_second_run_is_answered_from_the_cache(crossref_server, crossref_client):
    server = crossref_server()
    first = crossref_client(server)
    answers = [first.search(reference_string(w)) for w in WORKS[:10]] + [first.lookup("10.5555/none")]
    first.close()
    sent = server.requests
    second = crossref_client(server, mailto="other@example.org")  # mailto is not part of the key
    again = [second.search(reference_string(w)) for w in WORKS[:10]] + [second.lookup("10.5555/none")]
    assert again == answers
    assert server.requests == sent
    assert second.stats()["cache_hits"] == 11
    assert second.stats()["requests"] == 0


def test_refresh_asks_again_and_overwrites(crossref_server, crossref_client):
    server = crossref_server()
    doi = WORKS[5]["DOI"]
    crossref_client(server).lookup(doi)
    server.index.get(doi)["title"] = ["A corrected title"]
    assert crossref_client(server).lookup(doi)["title"] != ["A corrected title"]  # cached
    assert crossref_client(server, refresh=True).lookup(doi)["title"] == ["A corrected title"]
    assert crossref_client(server).lookup(doi)["title"] == ["A corrected title"]
    assert server.requests == 2


def test_offline_uses_the_cache_and_asks_nothing(crossref_server, crossref_client):
    server = crossref_server()
    crossref_client(server).lookup(WORKS[0]["DOI"])
    offline = crossref_client(server, offline=True)
    assert offline.lookup(WORKS[0]["DOI"])["DOI"] == WORKS[0]["DOI"]
    with pytest.raises(CrossrefUnavailable, match="offline"):
        offline.lookup(WORKS[1]["DOI"])
    assert server.requests == 1


def _search_all(url: str, cache_dir: str, queries: list[str], barrier) -> list[str]:
    client = CrossrefClient(Settings(api_url=url, mailto="test@example.org", cache_dir=Path(cache_dir),
                                     timeout=5.0), backoff=0.01)
    barrier.wait()
    try:
        return [client.search(q)[0]["DOI"] for q in queries]
    finally:
        client.close()


def test_two_processes_share_one_cache(crossref_server, tmp_path):
    server = crossref_server(rate_limit=(200, "1s"), concurrency=4)
    queries = [reference_string(w) for w in WORKS[:20]]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with context.Pool(2) as pool:
            args = (server.url, str(tmp_path), queries, barrier)
            runs = [pool.apply_async(_search_all, args) for _ in range(2)]
            results = [run.get(timeout=60) for run in runs]
    expected = [w["DOI"] for w in WORKS[:20]]
    assert results == [expected, expected]
    sent = server.requests
    assert _search_all(server.url, str(tmp_path), queries, threading.Barrier(1)) == expected
    assert server.requests == sent


def test_a_corrupt_cache_file_is_kept_aside_and_replaced(crossref_server, crossref_client, tmp_path, capsys):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    server = crossref_server()
    client = crossref_client(server)
    assert client.lookup(WORKS[0]["DOI"])["DOI"] == WORKS[0]["DOI"]
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "warning" in warning
    kept = list((tmp_path / "cache").glob(f"{CACHE_FILE}.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")


def test_a_cache_from_another_version_is_kept_aside_and_replaced(crossref_server, crossref_client, tmp_path,
                                                                   capsys):
    (tmp_path / "cache").mkdir()
    with sqlite3.connect(tmp_path / "cache" / CACHE_FILE) as old:  # e.g. a requests-cache file
        old.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, value BLOB)")
    server = crossref_server()
    client = crossref_client(server)
    assert client.lookup(WORKS[0]["DOI"])["DOI"] == WORKS[0]["DOI"]
    assert "not a refkit response cache" in capsys.readouterr().err
    assert len(list((tmp_path / "cache").glob(f"{CACHE_FILE}.corrupt-*"))) == 1


def test_an_expired_answer_is_asked_again_and_serves_when_crossref_cannot_be_asked(
        crossref_server, crossref_client, tmp_path):
    server = crossref_server()
    doi = WORKS[5]["DOI"]
    crossref_client(server).lookup(doi)
    server.index.get(doi)["title"] = ["A corrected title"]
    expired = crossref_client(server, cache_days=1e-9)  # every stored answer is expired at once
    assert expired.lookup(doi)["title"] == ["A corrected title"]
    assert server.requests == 2
    server.stop()  # now unreachable
    down = crossref_client(server, cache_days=1e-9)
    assert down.lookup(doi)["title"] == ["A corrected title"]  # stale, but better than nothing
    assert down.stats()["stale_answers"] == 1
    assert "1 answered from an expired cache entry" in down.summary()
    offline = crossref_client(server, cache_days=1e-9, offline=True)
    assert offline.lookup(doi)["title"] == ["A corrected title"]
    with pytest.raises(CrossrefUnavailable):
        down.lookup(WORKS[6]["DOI"])  # never stored: nothing to fall back on


def test_a_damaged_pacing_file_is_set_aside_with_one_warning(crossref_server, crossref_client, tmp_path):
    from refkit.messages import capture
    from refkit.resolve.crossref import GATE_FILE

    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / GATE_FILE).write_bytes(b"not a database" * 300)
    server = crossref_server()
    with capture() as said:
        client = crossref_client(server)
    assert [level for level, _ in said] == ["warning"] and "damaged" in said[0][1]
    assert list((tmp_path / "cache").glob(f"{GATE_FILE}.corrupt-*"))
    assert client.lookup(WORKS[0]["DOI"])["DOI"] == WORKS[0]["DOI"]
    assert type(client._gate).__name__ == "SharedGate"


def test_the_summary_is_one_line_built_from_the_stats(crossref_server, crossref_client):
    server = crossref_server(rate_limit=(100, "1s"))
    client = crossref_client(server)
    server.inject(Fault.status(503), Fault.throttle(retry_after=0.05))
    client.search("renal fibrosis")
    client.search("renal fibrosis")
    assert client.stats() == {**dict.fromkeys(client.stats(), 0), "requests": 3, "cache_hits": 1, "calls": 1,
                              "retries": 2, "faults": 1, "throttled_429": 1}
    assert client.summary() == ("crossref: 3 requests, 1 from cache, 1 throttled (429), 2 retries, "
                                "0 failed for good")


def test_a_server_slower_than_the_guess_earns_no_429_before_or_after_its_first_answer(
        crossref_server, crossref_client):
    server = crossref_server(rate_limit=(2, "1s"), concurrency=1)
    client = crossref_client(server)
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda w: _top_doi(client, w), WORKS[:5]))
    assert found == [w["DOI"] for w in WORKS[:5]]
    assert server.throttled == 0 and server.max_per_interval <= 2
