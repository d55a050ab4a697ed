"""The HTML report: self-contained, and working in a real headless Chromium (skipped without one)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from refkit.graph import add_article, new_graph, query_graph
from refkit.parse import read_article
from refkit.report import build_report, graph_data
from refkit.resolve.catalog import LocalCatalog
from refkit.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    from refkit.resolve import resolve_article

    article = read_article(str(ROOT / "seeds" / "jkra-16-301.txt"))
    settings = Settings(offline=True, cache_dir=tmp_path_factory.mktemp("cache"))
    catalog = LocalCatalog(settings)  # the seed's records travel beside it, as a workspace indexes them
    catalog.index_files([ROOT / "seeds" / "jkra-16-301.works.jsonl"])
    catalog.close()
    resolve_article(article, settings)
    graph = add_article(new_graph(), article)
    return article, graph


def test_report_is_one_file_that_names_no_outside_resource(seed):
    article, graph = seed
    page = build_report([article], graph)
    # Links for the reader to follow are fine; nothing the page loads by itself may be outside it.
    assert not re.search(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=", page)
    assert "@import" not in page and "url(" not in page
    assert page.count('<tr id="ref-jkra-16-301-') == 13
    assert 'href="https://doi.org/10.1093/rheumatology/kel112"' in page
    assert "given" in page and "2 mg/day" in page  # tacrolimus' dose in the case


def test_notices_and_discrepancies_are_shown(seed):
    import copy

    article, graph = seed
    article = copy.deepcopy(article)
    yamasaki = next(r for r in article.references if r.n == 11)
    yamasaki.updates = [{"type": "retraction", "doi": "10.5555/notice.1", "source": "crossref"}]
    yamasaki.discrepancies = [{"field": "year", "cited": 2006, "record": 2007}]
    row = re.search(r'<tr id="ref-jkra-16-301-11".*?</tr>', build_report([article], graph), re.S).group(0)
    assert "<div class='notice loud'>RETRACTED 10.5555/notice.1</div>" in row
    assert "year: cited <b>2006</b>, record <b>2007</b>" in row
    assert "<span class='status matched'>matched</span>" in row


def test_the_graph_alone_gives_the_same_references(seed):
    from refkit.report import articles_from_graph

    article, graph = seed
    (back,) = articles_from_graph(graph)
    assert [r.n for r in back.references] == [r.n for r in article.references]
    assert back.references[10].match.doi == "10.1093/rheumatology/kel112"
    page = build_report(articles_from_graph(graph), graph)  # what `refkit graph -f html` can write
    assert page.count('<tr id="ref-jkra-16-301-') == 13 and 'id="graph-data"' in page


def test_an_unverified_work_keeps_its_printed_doi(seed):
    import copy

    from refkit.model import Match

    article, _ = seed
    article = copy.deepcopy(article)
    oddis = next(r for r in article.references if r.n == 12)
    oddis.doi, oddis.match = "10.1016/S0140-6736(98)01927-9", Match("unmatched", reason="not looked up")
    graph = add_article(new_graph(), article)
    cited_12 = {"article": "jkra-16-301", "n": 12}
    node = next(n for n in graph_data(graph)["nodes"] if cited_12 in n.get("cited", []))
    assert node["doi"] == "10.1016/S0140-6736(98)01927-9" and node["verified"] is False
    page = build_report([article], graph)
    assert "10.1016/S0140-6736(98)01927-9</a> <em>(printed, unverified)</em>" in page


def test_graph_data_is_aggregated_when_large(seed):
    _, graph = seed
    assert not graph_data(graph)["aggregated"]
    big = graph.copy()
    for i in range(400):
        big.add_node(f"ref:x#{i}", kind="work", label=f"W {i}", title="t")
    data = graph_data(big)
    assert data["aggregated"] and len(data["nodes"]) < 300
    works = {n["id"] for n in data["nodes"] if n["kind"] == "work"}
    supported = {v for _, v, d in graph.edges(data=True) if d.get("type") == "supports"}
    assert supported <= works  # the works with evidence are the ones kept


needs_chromium = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                    reason="chromium, chromium-driver not installed (.ci/run installs them)")


@pytest.fixture
def browser(tmp_path):
    """A headless Chromium (through chromedriver) that logs its network events."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1600", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@needs_chromium
def test_report_in_headless_chromium(seed, tmp_path, browser):
    from selenium.webdriver.support.ui import Select

    driver = browser
    article, graph = seed
    path = tmp_path / "report.html"
    path.write_text(build_report([article], graph), encoding="utf-8")
    driver.get(path.as_uri())
    run = driver.execute_script
    assert run("return document.querySelectorAll('div.refs tbody tr').length") == 13
    nodes = run("return document.querySelectorAll('#graph-svg g.node').length")
    assert nodes == len(graph_data(graph)["nodes"])
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []  # no script error

    Select(driver.find_element("id", "filter-therapy")).select_by_visible_text("tacrolimus")
    shown = set(run("return Array.from(document.querySelectorAll('#graph-svg g.node[data-kind=work]'))"
                    ".map(g => g.getAttribute('data-id'))"))
    assert shown == {s.work for s in query_graph(graph, "tacrolimus").supports}
    assert len(shown) == 2

    driver.find_element("id", "search").send_keys("Yamasaki")
    visible = run("return Array.from(document.querySelectorAll('div.refs tbody tr'))"
                  ".filter(r => !r.hidden).map(r => r.id)")
    assert visible == ["ref-jkra-16-301-11"]

    # Nothing left the file: no resource entries, no network request but the file itself.
    assert run("return performance.getEntriesByType('resource').length") == 0
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        # the page's own requests (the browser's blank start tab makes chrome:// ones of its own)
        if message.get("method") == "Network.requestWillBeSent" and \
                message["params"].get("documentURL") == path.as_uri():
            urls.append(message["params"]["request"]["url"])
    assert urls and all(u.startswith(("file:", "data:")) for u in urls), urls

    driver.find_element("id", "search").clear()
    Select(driver.find_element("id", "filter-therapy")).select_by_index(0)
    run("document.getElementById('search').dispatchEvent(new Event('input'))")
    shot = tmp_path / "report.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    if os.environ.get("REFKIT_UPDATE_SCREENSHOT"):  # the README's picture: docs/report.png
        shutil.copyfile(shot, ROOT / "docs" / "report.png")


@needs_chromium
def test_two_articles_filter_hover_and_click_through(seed, tmp_path, browser):
    import copy

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import Select

    article, _ = seed
    second = copy.deepcopy(article)
    second.source = "second-case.txt"
    second.references = [r for r in second.references if r.n in (1, 11, 12)]
    graph = add_article(add_article(new_graph(), article), second)
    path = tmp_path / "two.html"
    path.write_text(build_report([article, second], graph), encoding="utf-8")
    browser.get(path.as_uri())
    run = browser.execute_script
    works = ("return Array.from(document.querySelectorAll('#graph-svg g.node[data-kind=work]'))"
             ".map(g => g.getAttribute('data-id'))")
    everything = set(run(works))
    Select(browser.find_element("id", "filter-article")).select_by_value("article:second-case")
    cited = {v for _, v, d in graph.out_edges("article:second-case", data=True) if d.get("type") == "cites"}
    assert set(run(works)) == cited and len(cited) == 3 and cited < everything

    # Hover on a work: its evidence and who cites it; click: the page goes to its reference.
    yamasaki = '#graph-svg g.node[data-id="doi:10.1093/rheumatology/kel112"]'
    node = browser.find_element("css selector", yamasaki)
    ActionChains(browser).move_to_element(node).perform()
    tip = browser.find_element("id", "tooltip")
    assert tip.is_displayed() and "cited by second-case as [11]" in tip.text
    assert "cited by jkra-16-301 as [11]" in tip.text and "cyclophosphamide" in tip.text
    node.click()
    flashed = run("return Array.from(document.querySelectorAll('.flash')).map(e => e.id)")
    assert flashed == ["ref-second-case-11"]


def test_the_picture_says_whose_reference_number_it_is(seed):
    import copy

    from refkit.graph_draw import draw

    article, graph = seed
    svg = draw(graph, "svg").decode("utf-8")
    assert ">[12] Oddis 1999<" in svg  # text, not glyph paths
    second = copy.deepcopy(article)
    second.source = "second-case.txt"
    two = add_article(copy.deepcopy(graph), second)
    svg = draw(two, "svg").decode("utf-8")
    assert "jkra-16-301 [11], second-case [11]" in svg
