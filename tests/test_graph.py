"""The evidence graph: evidence kinds, the seed's supports table, merging, persistence, exports."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import networkx as nx
import pytest

from refkit.errors import RefkitError
from refkit.graph import (
    GraphStore,
    add_article,
    forget_article,
    load_graph,
    new_graph,
    query_graph,
    save_graph,
    work_key,
)
from refkit.graph_draw import draw, to_dot, to_graphml
from refkit.model import Article, Author, Match, Reference, Work
from refkit.parse import read_article
from refkit.resolve import resolve_article
from refkit.settings import Settings
from refkit.workspace import Workspace

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seeds" / "jkra-16-301.txt"
SUPPORTS = json.loads((ROOT / "seeds" / "jkra-16-301.gold.json").read_text(encoding="utf-8"))["supports"]


@pytest.fixture(scope="module")
def seed_article(tmp_path_factory):
    settings = Settings(offline=True, cache_dir=tmp_path_factory.mktemp("cache"))
    article = read_article(SEED)
    with Workspace(settings) as workspace:
        workspace.index_companions(str(SEED))  # the seed's works.jsonl, beside it
        resolve_article(article, resolver=workspace.resolver)
    return article


@pytest.fixture(scope="module")
def seed_graph(seed_article):
    return add_article(new_graph(), seed_article)


def _cited_numbers(support) -> list[int]:
    return [c["n"] for c in support.citing]


def test_tacrolimus_direct_reference_12_first_then_class_reference_13(seed_graph):
    result = query_graph(seed_graph, "tacrolimus")
    first = result.supports[0]
    assert _cited_numbers(first) == [12] and first.evidence[0]["evidence"] == "direct"
    assert first.label == "Oddis 1999"
    by_n = {_cited_numbers(s)[0]: s for s in result.supports}
    assert by_n[13].evidence[0]["evidence"] == "class"
    assert "T-cell-specific immunosuppressants" in by_n[13].evidence[0]["detail"]
    assert by_n[13].doi == "10.1080/08916930500124023"


@pytest.mark.parametrize("therapy", sorted(SUPPORTS))
def test_gold_supports_table_holds(seed_graph, therapy):
    result = query_graph(seed_graph, therapy)
    assert result.found, therapy
    found = {(n, e["evidence"]) for s in result.supports for n in _cited_numbers(s) for e in s.evidence}
    for evidence, numbers in SUPPORTS[therapy].items():
        for n in numbers:
            assert (n, evidence) in found, (therapy, n, evidence)


@pytest.mark.parametrize("alias", ["FK506", "Prograf", "FK-506"])
def test_synonyms_query_the_same_therapy(seed_graph, alias):
    assert (
        query_graph(seed_graph, alias).to_dict()["supports"]
        == query_graph(seed_graph, "tacrolimus").to_dict()["supports"]
    )


def test_unknown_therapy_gets_nearest_names(seed_graph):
    result = query_graph(seed_graph, "tacrolimsu")
    assert not result.found and result.suggestions[0] == "tacrolimus"


def test_nodes_keyed_by_doi_when_resolved(seed_graph):
    assert "doi:10.1080/08916930500124023" in seed_graph  # reference 13, matched
    oddis = work_key(seed_article_ref(seed_graph, 12))
    assert oddis.startswith("fp:oddis|1999|tacrolimus") and oddis in seed_graph  # ref 12: no DOI found
    kinds = nx.get_node_attributes(seed_graph, "kind")
    assert kinds["therapy:tacrolimus"] == "therapy" and kinds["class:calcineurin inhibitors"] == "class"
    assert seed_graph.has_edge("therapy:tacrolimus", "class:calcineurin inhibitors", "is_a")
    mention = seed_graph.edges["article:jkra-16-301", "therapy:tacrolimus", "mentions:jkra-16-301"]
    assert mention["doses"] == "2 mg/day" and mention["given_in_case"]


def seed_article_ref(graph, n: int) -> Reference:
    node = next(v for _, v, d in graph.out_edges("article:jkra-16-301", data=True) if d.get("n") == n)
    return Reference.from_dict(json.loads(graph.nodes[node]["reference"]))


def test_an_unresolved_work_is_one_node_for_every_article_citing_it():
    oddis = (
        "Oddis CV, Sciurba FC. Tacrolimus in refractory polymyositis with interstitial lung disease. "
        "Lancet 1999;353:1762-3."
    )
    a = _article(
        "case-a.txt",
        "Tacrolimus (1) was given.",
        [
            Reference(
                raw=oddis,
                n=1,
                title="Tacrolimus in refractory polymyositis with interstitial lung disease",
                year=1999,
                volume="353",
                first_page="1762",
                authors=[Author("Oddis", "CV")],
            )
        ],
    )
    b = _article(
        "case-b.txt",
        "Tacrolimus (7) was given.",
        [
            Reference(
                raw=oddis.upper(),
                n=7,
                title="TACROLIMUS IN REFRACTORY POLYMYOSITIS WITH INTERSTITIAL LUNG DISEASE.",
                year=1999,
                volume="353",
                first_page="1762",
                authors=[Author("Oddis", "C.V.")],
            )
        ],
    )
    graph = add_article(add_article(new_graph(), a), b)
    result = query_graph(graph, "tacrolimus")
    assert len(result.supports) == 1
    assert result.supports[0].citing == [{"article": "case-a", "n": 1}, {"article": "case-b", "n": 7}]
    other_year = Reference(
        raw=oddis,
        n=2,
        title="Tacrolimus in refractory polymyositis with interstitial lung disease",
        year=2000,
        volume="353",
        first_page="1762",
        authors=[Author("Oddis", "CV")],
    )
    assert work_key(other_year) != work_key(a.references[0])


def _article(source: str, body: str, refs: list[Reference]) -> Article:
    text = "Case report\n\n" + body + "\n\nReferences\n\n" + "\n".join(f"{r.n}. {r.raw}" for r in refs)
    return Article(text=text, source=source, title="Case report", body=body, references=refs)


def _ref(n: int, title: str, doi: str | None = None, abstract: str | None = None) -> Reference:
    ref = Reference(raw=f"Smith J. {title}. J Test. 2001;1:1-2.", n=n, title=title, year=2001)
    if doi:
        ref.match = Match("matched", doi=doi, confidence=0.99)
        ref.work = Work(doi=doi, title=title, year=2001, abstract=abstract)
    return ref


def test_citation_context_and_abstract_evidence():
    refs = [
        _ref(1, "Outcomes of myositis"),
        _ref(2, "A cohort study", "10.5555/b", abstract="Patients given methotrexate improved."),
    ]
    body = "She was treated with tacrolimus (1). Later, rituximab [3] was considered. Methotrexate failed."
    graph = add_article(new_graph(), _article("case-a.txt", body, refs))
    tac = query_graph(graph, "tacrolimus")
    found = [(_cited_numbers(s), s.evidence[0]["evidence"]) for s in tac.supports]
    assert found == [([1], "citation-context")]
    mtx = query_graph(graph, "methotrexate")
    assert [(s.doi, s.evidence[0]["evidence"]) for s in mtx.supports] == [("10.5555/b", "abstract")]
    assert query_graph(graph, "rituximab").supports == []  # [3] is not in the reference list


def test_merge_across_articles_and_replace_on_rerun():
    shared = _ref(1, "Tacrolimus for myositis", "10.5555/shared")
    a = _article("case-a.txt", "Tacrolimus (1) was given.", [shared])
    b = _article(
        "case-b.txt",
        "We used tacrolimus.",
        [_ref(4, "Tacrolimus for myositis", "10.5555/shared"), _ref(5, "Azathioprine trial", "10.5555/aza")],
    )
    graph = add_article(add_article(new_graph(), a), b)
    result = query_graph(graph, "tacrolimus")
    assert len(result.supports) == 1
    assert result.supports[0].citing == [{"article": "case-a", "n": 1}, {"article": "case-b", "n": 4}]
    assert result.supports[0].evidence[0]["articles"] == ["case-a", "case-b"]
    edges = graph.number_of_edges()
    add_article(graph, b)  # re-running one article replaces what it added
    assert graph.number_of_edges() == edges
    forget_article(graph, "case-b")
    assert "doi:10.5555/aza" not in graph and "therapy:azathioprine" not in graph
    assert query_graph(graph, "tacrolimus").supports[0].citing == [{"article": "case-a", "n": 1}]


def test_save_is_atomic_and_round_trips(seed_graph, tmp_path):
    path = tmp_path / "refs" / "graph.json"
    save_graph(seed_graph, path)
    assert [p.name for p in path.parent.iterdir()] == ["graph.json"]
    loaded = load_graph(path)
    assert nx.utils.graphs_equal(loaded, seed_graph)
    assert query_graph(loaded, "tacrolimus").to_dict() == query_graph(seed_graph, "tacrolimus").to_dict()


def test_load_refuses_a_broken_file(tmp_path):
    path = tmp_path / "graph.json"
    path.write_text("{not json", encoding="utf-8")

    with pytest.raises(RefkitError, match="cannot read the evidence graph"):
        load_graph(path)


def test_store_merges_articles_and_answers_from_rows(seed_article, tmp_path):
    store = GraphStore(tmp_path / "refs")
    store.put_article(seed_article)
    store.put_article(_article("other.txt", "Tacrolimus (1).", [_ref(1, "Tacrolimus use")]))
    store.put_article(_article("other.txt", "Tacrolimus (1).", [_ref(1, "Tacrolimus use")]))  # replaced
    assert store.articles() == ["jkra-16-301", "other"]
    graph = store.graph()
    assert {"article:jkra-16-301", "article:other"} <= set(graph)
    citing = {c["article"] for s in query_graph(graph, "tacrolimus").supports for c in s.citing}
    assert citing == {"jkra-16-301", "other"}
    # The query reads indexed rows only, and gives what the whole graph gives.
    rows = query_graph(store.subgraph_for("tacrolimus"), "tacrolimus")
    assert [s.to_dict() for s in rows.supports] == [
        s.to_dict() for s in query_graph(graph, "tacrolimus").supports
    ]
    whole = add_article(
        add_article(new_graph(), seed_article),
        _article("other.txt", "Tacrolimus (1).", [_ref(1, "Tacrolimus use")]),
    )
    assert nx.utils.graphs_equal(graph, whole)


def test_graphml_opens_with_networkx(seed_graph, tmp_path):
    path = tmp_path / "g.graphml"
    path.write_bytes(to_graphml(seed_graph))
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == seed_graph.number_of_nodes()
    assert back.number_of_edges() == seed_graph.number_of_edges()
    assert back.nodes["therapy:tacrolimus"]["mesh"] == "D016559"


def test_pictures_and_dot(seed_graph):
    assert draw(seed_graph, "png").startswith(b"\x89PNG")
    svg = draw(seed_graph, "svg").decode("utf-8")
    assert "<svg" in svg and "Oddis 1999" in svg
    page = draw(seed_graph, "html").decode("utf-8")
    assert "10.1080/08916930500124023" in page and "<table>" in page
    dot = to_dot(seed_graph).decode("utf-8")
    assert dot.startswith("digraph") and '"therapy:tacrolimus" -> "fp:oddis|1999|' in dot


def _open_stores_at_once(root: str, rounds: int, barrier, problems) -> None:  # noqa: ANN001 - mp types
    import contextlib
    import io

    for i in range(rounds):
        barrier.wait()
        said = io.StringIO()
        with contextlib.redirect_stderr(said):
            try:
                GraphStore(Path(root) / str(i)).close()
            except RefkitError as err:
                problems.put(str(err))
        if said.getvalue():
            problems.put(said.getvalue())


def test_two_processes_creating_one_store_at_once_wait_for_each_other(tmp_path):
    # SQLite may answer "locked" at once, without waiting, while another process creates the
    # same file: that is not damage, and the store must not be set aside (seen 3 in 400 openings).
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    barrier, problems = context.Barrier(2), context.Queue()
    runs = [context.Process(target=_open_stores_at_once, args=(str(tmp_path), 150, barrier, problems))
            for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=300)
        assert run.exitcode == 0
    said = []
    while not problems.empty():
        said.append(problems.get())
    assert said == []
    assert not list(tmp_path.glob("*/refkit.sqlite.corrupt-*"))


class _LockedAtFirst:
    """A connection whose first statements are refused as SQLite refuses them mid-creation."""

    refusals = 2

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, *args):  # noqa: ANN201 - stands in for sqlite3.Connection
        if _LockedAtFirst.refusals:
            _LockedAtFirst.refusals -= 1
            err = sqlite3.OperationalError("database is locked")
            err.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise err
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._db, name)

    def __enter__(self):  # noqa: ANN204
        return self._db.__enter__()

    def __exit__(self, *exc):  # noqa: ANN204
        return self._db.__exit__(*exc)


def test_a_busy_store_is_waited_for_not_set_aside(seed_article, tmp_path, monkeypatch):
    from refkit.graph import store as store_module

    GraphStore(tmp_path).put_article(seed_article)
    real_connect = sqlite3.connect
    monkeypatch.setattr(store_module.sqlite3, "connect",
                        lambda *a, **k: _LockedAtFirst(real_connect(*a, **k)))
    store = GraphStore(tmp_path)
    assert _LockedAtFirst.refusals == 0  # refused twice, then opened
    assert store.articles() == ["jkra-16-301"]
    assert not list(tmp_path.glob("refkit.sqlite.corrupt-*"))


def test_a_store_that_fails_mid_run_is_one_error_not_a_traceback(seed_article, tmp_path):
    store = GraphStore(tmp_path)
    store.put_article(seed_article)
    store._db.execute("DROP TABLE supports")  # what a store replaced under a run looks like
    with pytest.raises(RefkitError, match="evidence store .* cannot be used: no such table"):
        store.put_article(seed_article)
    assert store.articles() == ["jkra-16-301"]  # what was committed stays
