"""PubMed: the XML adapter, the E-utilities client against the loopback server, the source in the resolver."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from conftest import closed_port
from support.eutils_server import EutilsServer, load_articles
from support.paths import DATA

from refkit.errors import SourceError, SourceUnavailable
from refkit.model import Author, Reference, Work
from refkit.resolve.pipeline import Resolver
from refkit.resolve.pubmed import EutilsClient
from refkit.resolve.pubmed_records import PubMedSource, iter_pubmed_works, works_from_xml
from refkit.settings import Settings

SEED_XML = Path(__file__).resolve().parents[1] / "seeds" / "jkra-16-301.pubmed.xml"
SAMPLES = DATA / "pubmed-samples"


def _articles() -> list[str]:
    return (load_articles(SEED_XML) + load_articles(SAMPLES / "pubmed1.xml")
            + load_articles(SAMPLES / "pubmed2.xml"))


@pytest.fixture
def server():
    with EutilsServer(_articles()) as srv:
        yield srv


def _client(srv: EutilsServer, tmp_path: Path, **kw) -> EutilsClient:
    settings = Settings(pubmed_url=srv.url, cache_dir=tmp_path, mailto="tests@example.org", **kw)
    return EutilsClient(settings, backoff=0.05)


# --- PubMed XML → Work ----------------------------------------------------------------------------
def test_seed_records_become_works_with_mesh():
    works = {w.pmid: w for w in iter_pubmed_works(SEED_XML)}
    assert set(works) == {"16010208", "6986827", "16541475", "16754626", "16227154"}
    bunch = works["6986827"]
    assert bunch.doi == "10.7326/0003-4819-92-3-365"
    assert bunch.title == "Azathioprine with prednisone for polymyositis. A controlled, clinical trial"
    assert (bunch.first_page, bunch.last_page) == ("365", "369")  # MedlinePgn 365-9 expanded
    assert bunch.short_container_title == "Ann Intern Med"
    assert bunch.container_title == "Annals of internal medicine"
    assert bunch.year == 1980 and bunch.volume == "92" and bunch.issue == "3"
    assert bunch.authors[0] == Author("Bunch", "TW")
    mesh = {m["descriptor"]: m for m in bunch.mesh}
    assert {"name": "therapeutic use", "major": True} in mesh["Azathioprine"]["qualifiers"]
    # Prednisone is split over two headings in the file: one descriptor, both qualifiers.
    assert mesh["Prednisone"]["qualifiers"] == [{"name": "adverse effects", "major": False},
                                                {"name": "therapeutic use", "major": True}]
    assert works["16541475"].doi is None  # Noss 2006 has no DOI
    assert works["16754626"].short_container_title == "Rheumatology (Oxford)"


def test_samples_abstract_ids_and_gzip(tmp_path):
    plain = list(iter_pubmed_works(SAMPLES / "pubmed1.xml"))
    assert [w.pmid for w in plain] == ["12091962", "9997"]
    assert plain[1].doi == "10.1016/0005-2795(76)90109-4"
    assert plain[1].abstract and plain[1].abstract.startswith("Electron paramagnetic resonance")
    assert {m["descriptor"]: m["id"] for m in plain[1].mesh}["Heme"] == "D006418"
    packed = tmp_path / "pubmed25n0001.xml.gz"
    packed.write_bytes(gzip.compress(SEED_XML.read_bytes()))
    assert [w.pmid for w in iter_pubmed_works(packed)] == [w.pmid for w in iter_pubmed_works(SEED_XML)]
    with packed.open("rb") as handle:  # a binary file object, gzipped
        assert len(list(iter_pubmed_works(handle))) == 5


def test_labels_medline_date_retraction_and_erratum():
    xml = b"""<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>
    <Article PubModel="Print-Electronic"><Journal><JournalIssue><Volume>5</Volume>
    <PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate></JournalIssue>
    <Title>J Test</Title></Journal>
    <ArticleTitle>[A <i>translated</i> title].</ArticleTitle><ELocationID EIdType="pii">e101</ELocationID>
    <Abstract><AbstractText Label="BACKGROUND">Why.</AbstractText>
    <AbstractText Label="RESULTS">What.</AbstractText>
    </Abstract><AuthorList><Author><CollectiveName>The Study Group</CollectiveName></Author></AuthorList>
    <PublicationTypeList><PublicationType>Retracted Publication</PublicationType></PublicationTypeList>
    <ArticleDate DateType="Electronic"><Year>1998</Year></ArticleDate></Article>
    <CommentsCorrectionsList><CommentsCorrections RefType="RetractionIn"><RefSource>J Test 2001</RefSource>
    <PMID>99</PMID></CommentsCorrections><CommentsCorrections RefType="ErratumIn">
    <RefSource>J Test 1999</RefSource>
    </CommentsCorrections></CommentsCorrectionsList></MedlineCitation>
    <PubmedData><ArticleIdList><ArticleId IdType="pubmed">1</ArticleId>
    <ArticleId IdType="pmc">PMC7</ArticleId>
    </ArticleIdList></PubmedData></PubmedArticle>
    <PubmedArticle><MedlineCitation><PMID>2</PMID><Article><Journal><Title>J Test</Title></Journal>
    <ArticleTitle>Erratum.</ArticleTitle>
    <PublicationTypeList><PublicationType>Published Erratum</PublicationType></PublicationTypeList></Article>
    </MedlineCitation></PubmedArticle></PubmedArticleSet>"""
    first, notice = works_from_xml(xml)
    assert first.title == "A translated title" and first.pmcid == "PMC7"
    assert first.year == 1998 and first.month == 12 and first.print_year == 1998
    assert first.first_page == first.article_number == "e101"
    assert first.abstract == "BACKGROUND: Why.\nRESULTS: What."
    assert first.authors == [Author("The Study Group", None, group=True)]
    kinds = [(u["type"], u["pmid"]) for u in first.updated_by]
    assert kinds == [("retraction", "99"), ("correction", None)]
    assert [u["type"] for u in notice.update_to] == ["correction"] and not notice.updated_by


def test_not_xml_is_one_line_error():
    from refkit.errors import RefkitError

    with pytest.raises(RefkitError, match="not readable as PubMed XML"):
        list(iter_pubmed_works(io.BytesIO(b"<PubmedArticleSet><PubmedArticle>")))


# --- the client ------------------------------------------------------------------------------------
def test_ecitmatch_batches_and_says_not_found(server, tmp_path):
    with _client(server, tmp_path) as client:
        found = client.ecitmatch({
            "bunch": ("Ann Intern Med", "1980", "92", "365", "Bunch TW"),
            "noss": ("J Rheumatol", "2006", "33", "1021", "Noss EH"),
            "nowhere": ("J Nowhere", "2006", "33", "1021", "Noss EH"),
            "wrong page": ("J Rheumatol", "2006", "33", "1022", "Noss EH"),
        })
        assert found == {"bunch": "6986827", "noss": "16541475", "nowhere": None, "wrong page": None}
        assert server.requests == 1  # one request for the batch
        assert client.ecitmatch({"again": ("Ann Intern Med", "1980", "92", "365", "Bunch TW")}) == {
            "again": "6986827"}
        assert server.requests == 1  # from the cache
    params = server.log[0].params
    assert params["tool"] == "refkit" and params["email"] == "tests@example.org" and "api_key" not in params
    assert params["bdata"].count("\r") == 4


def test_esearch_field_tags_and_efetch_batch(server, tmp_path):
    with _client(server, tmp_path, ncbi_api_key="k3y") as client:
        assert client.esearch('"10.7326/0003-4819-92-3-365"[doi]') == ["6986827"]
        assert client.esearch('"J Rheumatol"[ta] AND 33[vi] AND 1021[pg]') == ["16541475"]
        assert client.esearch('rituximab[ti] AND "Noss"[1au] AND 2005:2007[dp]') == ["16541475"]
        assert client.esearch('rituximab[ti] AND "Hausner-Sypek"[1au]') == []  # not the first author
        before = server.requests
        works = client.efetch(["16541475", "6986827", "404"])
        assert [w.pmid for w in works] == ["16541475", "6986827"]
        assert server.requests == before + 1
        assert [w.pmid for w in client.efetch(["6986827", "404"])] == ["6986827"]
        assert server.requests == before + 1  # each record (and the unknown id) cached on its own
    assert all(r.params.get("api_key") == "k3y" and r.params.get("tool") == "refkit" for r in server.log)


@pytest.mark.parametrize("key, limit, calls, latency", [(None, 3, 10, 0.0), ("k3y", 10, 24, 0.0),
                                                         ("k3y", 10, 24, 0.3)])
def test_pacing_never_draws_a_429(server, tmp_path, key, limit, calls, latency):
    from concurrent.futures import ThreadPoolExecutor

    server.latency = latency  # slow answers: requests overlap, and still no second holds too many
    with _client(server, tmp_path, ncbi_api_key=key) as client, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: client.esearch(f"word{i}[ti]"), range(calls)))
    assert server.requests == calls
    assert server.throttled == 0 and server.max_per_second <= limit
    assert server.max_per_second >= limit - 1  # and it does use what NCBI allows


def test_backs_off_on_429_and_5xx(server, tmp_path):
    server.inject(503, 429, 502)
    with _client(server, tmp_path) as client:
        assert client.esearch('"10.7326/0003-4819-92-3-365"[doi]') == ["6986827"]
        assert client.stats["retries"] == 3 and client.stats["http_429"] == 1
    assert [r.status for r in server.log] == [503, 429, 502, 200]


def test_failing_for_good_and_unavailable(server, tmp_path):
    server.inject(*[503] * 3)
    with _client(server, tmp_path, max_retries=2) as client, pytest.raises(SourceError, match="HTTP 503"):
        client.esearch("x[ti]")
    settings = Settings(pubmed_url=f"http://127.0.0.1:{closed_port()}/eutils", cache_dir=tmp_path / "c")
    with EutilsClient(settings) as client, pytest.raises(SourceUnavailable, match="unreachable"):
        client.efetch(["1"])
    offline = Settings(cache_dir=tmp_path / "o", offline=True)
    with EutilsClient(offline) as client, pytest.raises(SourceUnavailable, match="offline"):
        client.esearch("x[ti]")


# --- the source in the resolver ----------------------------------------------------------------------
def _noss(**kw) -> Reference:
    ref = Reference(raw="Noss EH, Hausner-Sypek DL, Weinblatt ME. Rituximab as therapy for refractory "
                        "polymyositis and dermatomyositis. J Rheumatol 2006;33:1021-6.",
                    n=10, authors=[Author("Noss", "EH")], title="Rituximab as therapy for refractory "
                    "polymyositis and dermatomyositis", journal="J Rheumatol", year=2006, volume="33",
                    first_page="1021", last_page="1026")
    for k, v in kw.items():
        setattr(ref, k, v)
    return ref


def test_search_finds_a_pmid_without_doi_and_prepare_batches(server, tmp_path):
    source = PubMedSource(_client(server, tmp_path))
    bunch = _noss(n=11, journal="Ann Intern Med", volume="92", first_page="365", year=1980,
                  authors=[Author("Bunch", "TW")], title="Azathioprine with prednisone for polymyositis")
    refs = [_noss(), bunch]
    source.prepare(refs)
    assert server.requests == 2  # one ECitMatch, one EFetch of both PMIDs
    resolver = Resolver([source])
    ref = resolver.resolve(refs[0])
    assert ref.match.status == "matched" and ref.match.pmid == "16541475" and ref.match.doi is None
    assert server.requests == 2  # the prepared answers served the search


def test_printed_pmid_is_checked_not_trusted(server, tmp_path):
    resolver = Resolver([PubMedSource(_client(server, tmp_path))])
    right = resolver.resolve(_noss(pmid="16541475"))
    assert right.match.status == "matched" and right.match.pmid == "16541475"
    wrong = resolver.resolve(_noss(pmid="6986827"))  # Bunch 1980's PMID printed under Noss 2006
    assert wrong.match.pmid != "6986827"
    assert wrong.match.status == "matched" and wrong.match.pmid == "16541475"  # found by searching


class _MemoryCrossref:
    """A Crossref-like source over a few works (DOI lookups and a search that returns them all)."""

    name = "crossref"
    local = False
    identifiers = frozenset(["doi"])

    def __init__(self, works: list[Work]) -> None:
        self.works = works

    def lookup(self, *, doi=None, pmid=None, pmcid=None) -> list[Work]:
        return [w for w in self.works if doi and w.doi and w.doi.lower() == doi.lower()]

    def search(self, ref, rows=5) -> list[Work]:
        return list(self.works)


def test_doi_and_pmid_that_disagree_are_not_both_accepted(tmp_path):
    noss = next(w for w in iter_pubmed_works(SEED_XML) if w.pmid == "16541475")
    crossref = _MemoryCrossref([Work(doi="10.5555/noss.2006", title=noss.title, authors=noss.authors,
                                     container_title="The Journal of Rheumatology", year=2006, volume="33",
                                     first_page="1021", last_page="1026", origin="crossref")])
    # PubMed's record of that PMID names another DOI.
    articles = [a.replace('<ArticleId IdType="pubmed">16541475</ArticleId>',
                          '<ArticleId IdType="pubmed">16541475</ArticleId>'
                          '<ArticleId IdType="doi">10.5555/other</ArticleId>') for a in _articles()]
    with EutilsServer(articles) as srv:
        resolver = Resolver([crossref, PubMedSource(_client(srv, tmp_path))])
        ref = resolver.resolve(_noss(doi="10.5555/noss.2006", pmid="16541475"))
    m = ref.match
    both = m.status == "matched" and m.doi == "10.5555/noss.2006" and m.pmid == "16541475"
    flagged = bool(ref.discrepancies) or "10.5555/other" in m.reason or m.status == "ambiguous"
    assert not both or flagged
    assert flagged


def test_doi_lookups_from_many_threads_are_pooled(server, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    dois = ["10.7326/0003-4819-92-3-365", "10.1093/rheumatology/kel112", "10.1080/08916930500124023",
            "10.1016/0005-2795(76)90109-4", "10.5555/unknown.1", "10.5555/unknown.2"]
    source = PubMedSource(_client(server, tmp_path))
    with ThreadPoolExecutor(6) as pool:
        found = list(pool.map(lambda d: [w.pmid for w in source.lookup(doi=d)], dois))
    assert found == [["6986827"], ["16754626"], ["16227154"], ["9997"], [], []]
    assert server.requests < 2 * len(dois)  # one ESearch + EFetch per pool of waiting lookups
    assert source.lookup(doi=dois[0].upper())[0].pmid == "6986827" and server.requests < 2 * len(dois)


def test_lookup_by_pmcid_and_prepare_never_raises(tmp_path):
    articles = [a.replace('<ArticleId IdType="pubmed">16541475</ArticleId>',
                          '<ArticleId IdType="pubmed">16541475</ArticleId>'
                          '<ArticleId IdType="pmc">PMC123</ArticleId>')
                for a in _articles()]
    with EutilsServer(articles) as srv:
        source = PubMedSource(_client(srv, tmp_path))
        assert [w.pmcid for w in source.lookup(pmcid="pmc123")] == ["PMC123"]
    offline = PubMedSource(EutilsClient(Settings(cache_dir=tmp_path / "o", offline=True)))
    offline.prepare([_noss()])  # cannot ask: nothing prepared, nothing raised
    with pytest.raises(SourceUnavailable):
        offline.search(_noss())
