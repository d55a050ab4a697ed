"""The loopback Crossref-compatible server: speaks like api.crossref.org, enforces its limits, ranks well."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from conftest import DATA, reference_string, synthetic_works
from support.crossref_server import CrossrefServer, load_records
from support.search import page_references, score_search

SAMPLES = DATA / "crossref-samples"
WORKS = synthetic_works()


def _sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def test_work_list_has_crossrefs_envelope(crossref_server):
    server = crossref_server()
    response = requests.get(f"{server.url}/works", params={"query.bibliographic": reference_string(WORKS[9]),
                                                         "rows": "4"}, timeout=5)
    body = response.json()
    sample = _sample("works-list_query-bibliographic_journals-2167-8359_fish.json")
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    assert body.keys() == sample.keys()
    assert body["message"].keys() == sample["message"].keys()
    assert (body["status"], body["message-type"], body["message-version"]) == ("ok", "work-list", "1.0.0")
    assert body["message"]["items-per-page"] == 4
    assert body["message"]["query"] == {"start-index": 0, "search-terms": reference_string(WORKS[9])}
    items = body["message"]["items"]
    assert len(items) == 4 and items[0]["DOI"] == WORKS[9]["DOI"]
    assert all(isinstance(item["score"], float) for item in items)


def test_single_work_and_not_found_answer_like_crossref(crossref_server):
    server = crossref_server()
    found = requests.get(f"{server.url}/works/{WORKS[0]['DOI'].upper().replace('/', '%2F')}", timeout=5)
    sample = _sample("work-single_10.1371-journal.pone.0033693_updated-by-correction.json")
    assert found.json().keys() == sample.keys()
    assert found.json()["message-type"] == "work" and found.json()["message"]["DOI"] == WORKS[0]["DOI"]
    missing = requests.get(f"{server.url}/works/10.1371/notarealdoi", timeout=5)
    assert (missing.status_code, missing.headers["content-type"], missing.text) == (
        404, "text/plain", "Resource not found.")
    for name in ("x-api-pool", "x-rate-limit-limit", "x-rate-limit-interval", "x-concurrency-limit"):
        assert name in missing.headers


def test_unknown_parameter_is_a_validation_failure(crossref_server):
    server = crossref_server()
    params = {"filter": "type:journal-article", "q": "x"}
    response = requests.get(f"{server.url}/works", params=params, timeout=5)
    body = response.json()
    sample = _sample("error-400_validation-failure_field-query-not-allowed.json")
    assert response.status_code == 400
    assert body.keys() == sample.keys() and body["message-type"] == "validation-failure"
    assert body["message"][0].keys() == sample["message"][0].keys()
    assert body["message"][0]["value"] == "filter"


def test_pool_and_limits_are_announced(crossref_server):
    server = crossref_server(rate_limit=(10, "500ms"), concurrency=2)
    polite = requests.get(f"{server.url}/works", params={"query": "renal", "mailto": "a@b.org"}, timeout=5)
    public = requests.get(f"{server.url}/works", params={"query": "renal"}, timeout=5)
    assert polite.headers["x-api-pool"] == "polite" and public.headers["x-api-pool"] == "public"
    assert (public.headers["x-rate-limit-limit"], public.headers["x-rate-limit-interval"],
            public.headers["x-concurrency-limit"]) == ("10", "500ms", "2")


def test_bibtex_transform(crossref_server):
    server = crossref_server()
    doi = WORKS[2]["DOI"]
    by_path = requests.get(f"{server.url}/works/{doi}/transform/application/x-bibtex", timeout=5)
    by_accept = requests.get(f"{server.url}/works/{doi}/transform",
                             headers={"Accept": "application/x-bibtex"}, timeout=5)
    assert by_path.headers["content-type"] == "application/x-bibtex"
    assert by_path.text == by_accept.text
    assert by_path.text.strip().startswith("@article{Author002_2002,") and f"DOI={{{doi}}}" in by_path.text


def test_too_many_in_flight_earns_429(crossref_server):
    server = crossref_server(concurrency=2, latency=0.3)
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(requests.get(f"{server.url}/works", params={"query": "renal"}, timeout=5).status_code)

    threads = [threading.Thread(target=ask) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 429, 429, 429]
    assert server.throttled == 3 and server.max_in_flight >= 3


def test_too_many_per_interval_earns_429(crossref_server):
    server = crossref_server(rate_limit=(3, "1m"), concurrency=None)
    url = f"{server.url}/works/{WORKS[0]['DOI']}"
    statuses = [requests.get(url, timeout=5).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert server.max_per_interval == 5


def test_search_ranks_the_cited_work_in_the_top_five(corpus_index):
    refs = page_references()[::3]  # a third is enough to see the ranking; bench/score_search.py does all
    score = score_search(lambda q, k: [r for _, r in corpus_index.search(q, k)[1]], refs, k=5)
    assert score.queries > 250
    assert score.recall_at_k >= 0.98, score.missed[:5]
    assert score.recall_at_1 >= 0.95


@pytest.mark.parametrize("shape", ["jsonl", "envelope", "items-gz"])
def test_load_records_reads_the_usual_shapes(tmp_path, shape):
    works = WORKS[:3]
    if shape == "jsonl":
        path = tmp_path / "w.jsonl"
        path.write_text("".join(json.dumps(w) + "\n" for w in works))
    elif shape == "envelope":
        path = tmp_path / "w.json"
        envelope = {"status": "ok", "message-type": "work-list", "message": {"items": works}}
        path.write_text(json.dumps(envelope))
    else:
        path = tmp_path / "w.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"items": works}).encode()))
    assert load_records(path) == works


def test_runs_from_the_command_line(tmp_path):
    catalog = tmp_path / "works.jsonl"
    catalog.write_text("".join(json.dumps(w) + "\n" for w in WORKS[:5]))
    tests_dir = str(Path(__file__).parent)  # support.* lives in tests/
    process = subprocess.Popen([sys.executable, "-m", "support.crossref_server", str(catalog), "--port", "0"],
                               stderr=subprocess.PIPE, text=True, cwd=tests_dir)
    try:
        line = process.stderr.readline()
        assert line.startswith("serving 5 works at http://127.0.0.1:")
        url = line.split(" at ")[1].split()[0]
        work = requests.get(f"{url}/works/{WORKS[1]['DOI']}", timeout=5).json()["message"]
        assert work["DOI"] == WORKS[1]["DOI"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_context_manager_frees_the_port():
    with CrossrefServer(WORKS) as server:
        url = server.url
        assert requests.get(f"{url}/works", params={"rows": "1"}, timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/works", timeout=2)


def _statuses(server, urls: list[str]) -> list[int]:
    out = []
    for url in urls:
        try:
            out.append(requests.get(url, timeout=5).status_code)
        except requests.RequestException:
            out.append(0)  # cut short
    return out


def test_random_faults_come_at_their_rates_and_depend_on_the_request_not_the_order(crossref_server):
    faulty = crossref_server(error_rate=0.3, truncate_rate=0.1, rate_limit=None, concurrency=None)
    urls = [f"{faulty.url}/works/{w['DOI']}" for w in WORKS]
    first = _statuses(faulty, urls)
    assert set(first) <= {200, 500, 502, 503, 0}
    share_5xx = sum(s >= 500 for s in first) / len(first)
    share_cut = first.count(0) / len(first)
    assert 0.15 <= share_5xx <= 0.45 and 0.02 <= share_cut <= 0.25
    again = crossref_server(error_rate=0.3, truncate_rate=0.1, rate_limit=None, concurrency=None)
    backwards = _statuses(again, [u.replace(faulty.url, again.url) for u in reversed(urls)])
    assert list(reversed(backwards)) == first  # the same faults, asked in another order
    other_seed = crossref_server(error_rate=0.3, truncate_rate=0.1, rate_limit=None, concurrency=None, seed=9)
    assert _statuses(other_seed, [u.replace(faulty.url, other_seed.url) for u in urls]) != first


def test_a_hanging_server_accepts_and_never_answers(crossref_server):
    server = crossref_server(hang=True)
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{server.url}/works", params={"rows": "1"}, timeout=(2, 0.3))
    assert server.requests == 1 and server.log[0].status == 0


def test_keep_working_holds_the_slot_after_the_client_gave_up(crossref_server):
    server = crossref_server(concurrency=1, latency=0.6, keep_working=True)
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{server.url}/works", params={"rows": "1"}, timeout=(2, 0.2))
    assert requests.get(f"{server.url}/works", params={"rows": "1"}, timeout=5).status_code == 429
    assert server.throttled == 1 and server.throttled_after(0.1) == 1 and server.throttled_after(5) == 0
