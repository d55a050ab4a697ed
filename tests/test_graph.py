"""The evidence graph: evidence kinds, the seed's supports table, merging, persistence, exports."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from refkit.graph import (
    add_article,
    forget_article,
    load_graph,
    new_graph,
    query_graph,
    save_graph,
    update_graph_for_article,
    workspace_graph,
)
from refkit.graph_draw import draw, to_dot, to_graphml
from refkit.model import Article, Match, Reference, Work
from refkit.parse import read_article
from refkit.resolve import resolve_article
from refkit.settings import Settings

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seeds" / "jkra-16-301.txt"
SUPPORTS = json.loads((ROOT / "seeds" / "jkra-16-301.gold.json").read_text(encoding="utf-8"))["supports"]


@pytest.fixture(scope="module")
def seed_article(tmp_path_factory):
    settings = Settings(offline=True, cache_dir=tmp_path_factory.mktemp("cache"), seeds_dir=ROOT / "seeds")
    article = read_article(SEED)
    resolve_article(article, settings)
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
    assert query_graph(seed_graph, alias).to_dict()["supports"] == \
        query_graph(seed_graph, "tacrolimus").to_dict()["supports"]


def test_unknown_therapy_gets_nearest_names(seed_graph):
    result = query_graph(seed_graph, "tacrolimsu")
    assert not result.found and result.suggestions[0] == "tacrolimus"


def test_nodes_keyed_by_doi_when_resolved(seed_graph):
    assert "doi:10.1080/08916930500124023" in seed_graph  # reference 13, matched
    assert "ref:jkra-16-301#12" in seed_graph  # reference 12, no DOI found
    kinds = nx.get_node_attributes(seed_graph, "kind")
    assert kinds["therapy:tacrolimus"] == "therapy" and kinds["class:calcineurin inhibitors"] == "class"
    assert seed_graph.has_edge("therapy:tacrolimus", "class:calcineurin inhibitors", "is_a")
    mention = seed_graph.edges["article:jkra-16-301", "therapy:tacrolimus", "mentions:jkra-16-301"]
    assert mention["doses"] == "2 mg/day" and mention["given_in_case"]


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
    refs = [_ref(1, "Outcomes of myositis"), _ref(2, "A cohort study", "10.5555/b",
                                                      abstract="Patients given methotrexate improved.")]
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
    b = _article("case-b.txt", "We used tacrolimus.", [_ref(4, "Tacrolimus for myositis", "10.5555/shared"),
                                                        _ref(5, "Azathioprine trial", "10.5555/aza")])
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
    from refkit.errors import RefkitError

    with pytest.raises(RefkitError, match="cannot read the evidence graph"):
        load_graph(path)


def test_update_graph_for_article_merges_into_refs(seed_article, tmp_path):
    settings = Settings(refs_dir=tmp_path / "refs")
    path = update_graph_for_article(seed_article, settings)
    update_graph_for_article(_article("other.txt", "Tacrolimus (1).", [_ref(1, "Tacrolimus use")]), settings)
    graph = load_graph(path)
    assert {"article:jkra-16-301", "article:other"} <= set(graph)
    citing = {c["article"] for s in query_graph(graph, "tacrolimus").supports for c in s.citing}
    assert citing == {"jkra-16-301", "other"}


def test_workspace_graph_from_resolved_json(seed_article, tmp_path):
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "jkra-16-301.json").write_text(json.dumps(seed_article.to_dict()), encoding="utf-8")
    graph = workspace_graph(Settings(refs_dir=refs, seeds_dir=tmp_path / "none"))
    assert _cited_numbers(query_graph(graph, "tacrolimus").supports[0]) == [12]
    assert (refs / "graph.json").exists()


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
    assert dot.startswith("digraph") and '"therapy:tacrolimus" -> "ref:jkra-16-301#12"' in dot
