"""What the case did with each drug (status), its regimen, and what is no narrative."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from refkit.cli import main
from refkit.parse import read_article
from refkit.therapies import extract_article, extract_text, summarize
from refkit.therapies.context import status_of

CASE = Path(__file__).parent / "data" / "therapies" / "statuses-case.txt"


@pytest.fixture(scope="module")
def case():
    article = read_article(CASE)
    return article, [m for m in extract_article(article) if m.where == "body"]


def _by_name(mentions, name):
    found = [m for m in mentions if m.name == name]
    assert found, name
    return found[0]


@pytest.mark.parametrize(("name", "status"), [
    ("methotrexate", "history"),
    ("penicillins", "allergic"),  # "a known allergy to penicillin"
    ("sulfasalazine", "allergic"),  # "was contraindicated"
    ("methylprednisolone", "given"),
    ("prednisolone", "given"),
    ("tofacitinib", "not-given"),  # "was considered but not started"
    ("intravenous immune globulin", "not-given"),  # "was not given because of cost"
    ("cyclophosphamide", "not-given"),  # "She refused cyclophosphamide"
    ("azathioprine", "stopped"),  # "2 mg/kg/day was discontinued because of leukopenia"
    ("mycophenolate mofetil", "switched"),  # "switched from mycophenolate mofetil to tacrolimus"
    ("tacrolimus", "given"),
    ("rituximab", "planned"),
])
def test_every_status_in_the_case_report(case, name, status):
    _, body = case
    case_start = CASE.read_text(encoding="utf-8").index("Case report")
    m = next(m for m in body if m.name == name and m.start > case_start)
    assert m.status == status
    assert m.given_in_case == (status in ("given", "stopped", "switched"))


def test_discussion_keywords_and_references_are_no_case_narrative(case):
    article, _ = case
    mentions = extract_article(article)
    keywords = [m for m in mentions if m.where == "keywords"]
    assert {m.name for m in keywords} == {"rituximab", "tacrolimus"}
    assert all(m.status == "mentioned" for m in keywords)
    assert all(m.status == "mentioned" for m in mentions if m.ref is not None)
    title = [m for m in mentions if m.start is not None and m.start < 70]
    assert title and all(m.status == "mentioned" for m in title)  # the title is no narrative
    therapies = {t.name: t for t in summarize(mentions)}
    assert not therapies["tofacitinib"].given_in_case
    assert therapies["tacrolimus"].given_in_case


def test_regimens_doses_routes_frequencies_durations_and_levels(case):
    _, body = case
    mp = _by_name(body, "methylprednisolone")
    assert (mp.dose, mp.duration) == ("1000 mg/day, 3 days", "3 days")
    pred = [m for m in body if m.name == "prednisolone"][-1]
    assert (pred.dose, pred.route) == ("1 mg/kg/day", "oral")
    assert mp.route is None  # "oral" stands before prednisolone, not after methylprednisolone
    tac = [m for m in body if m.name == "tacrolimus"][0]
    assert tac.dose == "0.075 mg/kg daily in two doses"
    assert tac.frequency == "daily in two doses"
    assert tac.level == "10-12 ng/mL"  # a trough level, no dose
    assert _by_name(body, "azathioprine").dose == "2 mg/kg/day"


@pytest.mark.parametrize(("text", "expected"), [
    ("Tacrolimus was adjusted to a trough of 10–12 ng/mL.", (None, "10-12 ng/mL")),
    ("Vancomycin 1 g IV twice daily for 10 days was given.", ("1 g", None)),
])
def test_a_level_is_no_dose(text, expected):
    m = extract_text(text)[0]
    assert (m.dose, m.level) == expected


def test_route_frequency_duration_apart():
    m = extract_text("Vancomycin 1 g IV twice daily for 10 days was given.")[0]
    assert (m.route, m.frequency, m.duration, m.status) == ("intravenous", "twice daily", "10 days", "given")


@pytest.mark.parametrize(("sentence", "status"), [
    ("Tofacitinib was considered but not started.", "not-given"),
    ("Warfarin was stopped and heparin was started.", "stopped"),
    ("She has a history of lithium use.", "history"),
    ("He was allergic to amoxicillin.", "allergic"),
    ("Treatment with infliximab is planned.", "planned"),
    ("She declined infliximab.", "not-given"),
    ("Cyclosporine was given but stopped later.", "given"),
])
def test_status_of_one_sentence(sentence, status):
    m = extract_text(sentence)[0]
    others = [(o.start, o.end) for o in extract_text(sentence)[1:]]
    assert status_of(sentence, m.start, m.end, others) == status


def test_a_later_clause_has_its_own_status():
    mentions = extract_text("Warfarin was stopped and heparin was started.")
    assert [(m.name, m.status) for m in mentions] == [("warfarin", "stopped"), ("heparin", "given")]


def test_cli_json_carries_status_and_regimen(tmp_path):
    result = CliRunner().invoke(main, ["therapies", str(CASE), "-f", "json", "--refs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for m in report["mentions"]:
        assert {"status", "dose", "route", "frequency", "duration", "level", "given_in_case"} <= set(m)
    tofa = next(m for m in report["mentions"] if m["name"] == "tofacitinib")
    assert (tofa["status"], tofa["given_in_case"]) == ("not-given", False)
    therapy = next(t for t in report["therapies"] if t["name"] == "tofacitinib")
    assert therapy["given_in_case"] is False and therapy["statuses"] == ["not-given"]
    assert therapy["status"] == "not-given"
    aza = next(t for t in report["therapies"] if t["name"] == "azathioprine")
    assert (aza["status"], aza["given_in_case"]) == ("stopped", True)
    pred = next(t for t in report["therapies"] if t["name"] == "prednisolone")
    assert pred["routes"] == ["oral"]


def test_a_keywords_line_gives_no_citation_context(tmp_path):
    import networkx as nx

    from refkit.graph import add_article

    text = ("Myositis treated with tacrolimus\n\nKeywords: rituximab, myositis\n\nIntroduction\n"
            "Myositis is rare [1]. It responded to tacrolimus [2].\n\nReferences\n"
            "1. Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis. Lancet. 2003;362:971-82.\n"
            "2. Oddis CV, Sciurba FC, Elmagd KA, Starzl TE. Tacrolimus in refractory polymyositis with "
            "interstitial lung disease. Lancet. 1999;353:1762-3.\n")
    path = tmp_path / "case.txt"
    path.write_text(text, encoding="utf-8")
    graph = add_article(nx.MultiDiGraph(), read_article(path))
    contexts = {(u, d.get("detail")) for u, _, d in graph.edges(data=True)
                if d.get("evidence") == "citation-context"}
    assert not any(u == "therapy:rituximab" for u, _ in contexts)
    assert any(u == "therapy:tacrolimus" for u, _ in contexts)


def test_a_negated_response_is_no_negated_treatment() -> None:
    """NegEx's five-word scope: "not" negates the response here, not the glucocorticoid."""
    from refkit.therapies import extract_text

    text = ("In some patients, this disease does not entirely respond to conventional initial therapy "
            "with glucocorticoid. No methotrexate was given.")
    status = {m.text: m.status for m in extract_text(text)}
    assert status["glucocorticoid"] == "given" and status["methotrexate"] == "not-given"
