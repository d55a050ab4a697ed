"""Resolve end to end: the seed offline, the corpus against the loopback server and the catalog."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.paths import CORPUS
from support.resolve import (
    catalog_records,
    deposit_quirks,
    page_ids,
    parsed_article,
    report,
    score_catalog,
    score_server,
)

from refkit.cli import main
from refkit.messages import capture
from refkit.model import Article, Reference
from refkit.resolve import resolve_article
from refkit.resolve.crossref_records import CrossrefSource
from refkit.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PRECISION, RECALL = 0.99, 0.97


def test_seed_without_network_is_error_where_crossref_was_not_asked(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "seeds/jkra-16-301.txt", "--format", "json"])
    assert result.exit_code == 1, result.output  # finished, but some references could not be looked up
    assert result.stderr.count("warning: Crossref unreachable") == 1
    doc = json.loads(result.stdout)
    statuses = {r["n"]: r["match"]["status"] for r in doc["references"]}
    assert set(statuses.values()) == {"matched", "error"}  # never "unmatched": Crossref was not asked
    assert all(
        "crossref" in r["match"]["reason"].lower()
        for r in doc["references"]
        if r["match"]["status"] == "error"
    )


def test_seed_resolves_offline(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "--offline", "seeds/jkra-16-301.txt", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    written = json.loads((workspace / "refs" / "jkra-16-301.json").read_text(encoding="utf-8"))
    assert written == doc
    gold = json.loads((workspace / "seeds" / "jkra-16-301.gold.json").read_text(encoding="utf-8"))
    targets = {g["n"]: g.get("target_doi") for g in gold["references"]}
    refs = {r["n"]: r for r in doc["references"]}
    assert set(refs) == set(targets)
    matched = {
        n: r["match"]["doi"]
        for n, r in refs.items()
        if r["match"]["status"] == "matched" and r["match"]["doi"]
    }
    assert matched == {n: doi for n, doi in targets.items() if doi}  # refs 1, 3, 6, 7, 11, 13; no wrong DOI
    for r in refs.values():
        assert r["match"]["reason"]
        if r["match"]["status"] == "matched":
            assert r["work"]["doi"] == r["match"]["doi"]
            assert set(r["match"]["evidence"]["title"]) == {"cited", "record", "score", "verdict"}


def test_seed_table_and_second_run_from_cache(workspace: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["resolve", "seeds/jkra-16-301.txt", "--offline"])
    assert first.exit_code == 0, first.output
    assert "10.1056/NEJM197502202920807" in first.stdout and "unmatched" in first.stdout
    second = runner.invoke(main, ["resolve", "seeds/jkra-16-301.txt", "--offline", "--out-dir", "out"])
    assert second.exit_code == 0 and "Crossref" not in second.stderr
    assert (workspace / "out" / "jkra-16-301.json").is_file()


def test_missing_input_is_a_one_line_error(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["resolve", "nope.txt", "--offline"])
    assert result.exit_code == 2 and result.stderr.startswith("refkit: error:")


def test_interrupted_run_keeps_what_was_done(tmp_path: Path) -> None:
    class Interrupting:
        name = "memory"

        def __init__(self) -> None:
            self.calls = 0

        local = False

        def search(self, ref: Reference, rows: int = 5) -> list:
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt
            return []

        def lookup(self, **ids: str) -> list:
            return []

    article = Article(
        references=[Reference(raw=f"Ref {i}. A title. J Synth. 2001;1:{i}.", n=i) for i in (1, 2, 3)]
    )
    with pytest.raises(KeyboardInterrupt):
        resolve_article(article, Settings(cache_dir=tmp_path), sources=[Interrupting()])
    statuses = [r.match.status for r in article.references]
    assert "unmatched" in statuses and "error" in statuses and set(statuses) == {"unmatched", "error"}
    interrupted = [r for r in article.references if r.match.status == "error"]
    assert all("interrupted" in r.match.reason for r in interrupted)
    assert "resolve interrupted" in article.warnings[0]


@pytest.fixture(scope="module")
def parsed_pages() -> dict[str, Article]:
    return {page: parsed_article(page) for page in page_ids()}


def test_corpus_against_loopback_crossref(parsed_pages: dict[str, Article]) -> None:
    score = score_server(lambda page: copy.deepcopy(parsed_pages[page]))
    assert len(score.outcomes) == sum(len(a.references) for a in parsed_pages.values())
    assert score.precision >= PRECISION and score.recall >= RECALL, report("server", score)


def test_corpus_against_local_catalog(parsed_pages: dict[str, Article]) -> None:
    score = score_catalog(lambda page: copy.deepcopy(parsed_pages[page]))
    assert score.precision >= PRECISION and score.recall >= RECALL, report("catalog", score)


def test_corpus_against_a_catalog_with_every_deposit_quirk(parsed_pages: dict[str, Article]) -> None:
    # Half the records (near misses too) carry one quirk each: markup, entities, bracketed notes,
    # split or foreign titles, odd pages and volumes, group authors, full journal names, online-first
    # dates, and duplicate deposits (a preprint, a book-chapter reprint, a second journal deposit).
    records = deposit_quirks(catalog_records(), seed=3)
    score = score_catalog(lambda page: copy.deepcopy(parsed_pages[page]), records=records)
    assert score.precision >= PRECISION and score.recall >= RECALL, report("deposit quirks", score)
    assert not [o for o in score.wrong() if o.doi.startswith("10.5555/dup.")], report("deposit quirks", score)


def test_style_pages_against_loopback_crossref() -> None:
    # The 41 style pages (one citation style each, rendered from catalog records) parsed from their
    # text and resolved through the loopback Crossref server: the matcher must not depend on one
    # style's layout. Last measured: precision 1.0, recall 1.0, every style 1.0 (about 25 s).
    styles = CORPUS / "styles"
    score = score_server(lambda page: parsed_article(page, styles), corpus=styles,
                         records=catalog_records())
    assert len(score.outcomes) == 2050
    assert score.precision >= 0.999 and score.recall >= 0.998, report("style pages", score)
    per_style: dict[str, list[int]] = {}
    for o in score.outcomes:
        tally = per_style.setdefault(o.page, [0, 0])
        tally[0] += o.correct
        tally[1] += o.expect is not None
    worst = min(right / expected for right, expected in per_style.values() if expected)
    assert len(per_style) == 41 and worst >= 0.975, report("style pages", score)


def synthetic_article(works: list[dict]) -> Article:
    from conftest import reference_string

    return Article(references=[Reference(raw=reference_string(w), n=i) for i, w in enumerate(works, 1)])


def test_faults_lose_no_reference_and_live_works_reach_the_catalog(
    crossref_server, crossref_client, tmp_path: Path
) -> None:
    from conftest import synthetic_works
    from support.crossref_server import Fault

    from refkit.resolve import LocalCatalog

    works = synthetic_works(20)
    server = crossref_server(works, concurrency=3)
    server.inject(
        Fault.status(503),
        Fault.truncated(),
        Fault.dropped(),
        Fault.throttle(retry_after=0.01),
        Fault.status(502),
    )
    settings = Settings(cache_dir=tmp_path / "cache")
    catalog = LocalCatalog(settings)
    article = synthetic_article(works)
    resolve_article(
        article,
        settings,
        sources=[catalog, CrossrefSource(crossref_client(server, cache_dir=tmp_path / "cache"))],
    )
    assert server.faults_sent == 5
    got = {r.n: r.match.doi for r in article.references}
    assert got == {i: w["DOI"] for i, w in enumerate(works, 1)}
    # Every work fetched live is in the catalog now: offline, the same answers.
    offline = synthetic_article(works)
    resolve_article(offline, settings, sources=[catalog])
    assert [r.match.doi for r in offline.references] == [w["DOI"] for w in works]
    catalog.close()


def test_a_failing_crossref_ends_every_reference_with_a_status(
    crossref_server, crossref_client, tmp_path: Path
) -> None:
    from conftest import synthetic_works
    from support.crossref_server import Fault

    works = synthetic_works(12)
    server = crossref_server(works)
    server.inject(*[Fault.status(500) for _ in range(200)])
    article = synthetic_article(works)
    client = CrossrefSource(crossref_client(server, error_minimum=3))
    with capture() as messages:
        resolve_article(article, Settings(cache_dir=tmp_path), sources=[client])
    assert len(messages) == 1
    assert all(r.match.status == "error" and r.match.reason for r in article.references)


def test_a_failed_request_is_an_error_not_a_claim_that_nothing_matches(
    crossref_server, crossref_client, tmp_path: Path
) -> None:
    from conftest import synthetic_works
    from support.crossref_server import Fault

    from refkit.resolve import LocalCatalog

    works = synthetic_works(3)
    server = crossref_server(works)
    server.inject(*[Fault.bad_json() for _ in range(5)])  # every try of the first request fails
    settings = Settings(cache_dir=tmp_path / "cache")
    article = synthetic_article(works[:1])
    client = CrossrefSource(crossref_client(server, error_minimum=1000, max_retries=2))
    with capture():
        resolve_article(article, settings, sources=[LocalCatalog(settings), client])
    (ref,) = article.references
    assert ref.match.status == "error"
    assert "crossref" in ref.match.reason.lower()
    # Once Crossref answers again, the same reference resolves.
    server.inject()
    again = synthetic_article(works[:1])
    with capture():
        resolve_article(again, settings, sources=[LocalCatalog(settings), client])
    assert again.references[0].match.doi == works[0]["DOI"]
