"""PMID linking over the 40 corpus pages, against the loopback E-utilities and Crossref servers.

The PubMed side is built from the corpus (support.pubmed_corpus: gold PMIDs, 10% left out,
near-miss distractors); ``bench/score_pubmed.py`` prints the same figures, and the held-out ones.
Measured (seed 0): PMID precision 1.000, recall 0.999 (754 / 755); no 429; about 50 s.
"""

from __future__ import annotations

from support.pubmed_corpus import DEV_SEED, build, run


def test_pmids_over_the_corpus_pages_within_ncbi_limits():
    catalog = build(DEV_SEED)
    result = run(catalog, api_key="test-key")
    assert result.throttled == 0 and result.max_per_second <= 10  # NCBI's limit with a key, never exceeded
    assert result.pmid.expected > 700
    assert result.pmid.precision >= 0.99, result.pmid.wrong[:5]
    assert result.pmid.recall >= 0.97, result.pmid.misses[:5]
    doi = result.doi.summary()
    assert doi["recall"] >= 0.99  # Crossref's DOIs are still found
    right, given = result.true_doi
    assert right / given >= 0.99  # and the DOIs PubMed adds are the works' own


def test_the_same_pmids_offline_from_a_pubmed_xml_import(tmp_path):
    """NLM's own files, offline: the PubMed side imported as a PubmedArticleSet (gzipped, as the
    baseline ships) beside the Crossref records; resolving from the local catalog alone."""
    import gzip

    from support.paths import CORPUS
    from support.pubmed_corpus import score_pmids
    from support.resolve import parsed_article

    from refkit.resolve import resolve_article
    from refkit.resolve.catalog import LocalCatalog
    from refkit.settings import Settings

    catalog = build(DEV_SEED)
    xml = tmp_path / "pubmed25n0001.xml.gz"
    body = "".join(catalog.articles)
    xml.write_bytes(
        gzip.compress(f'<?xml version="1.0"?>\n<PubmedArticleSet>{body}</PubmedArticleSet>\n'.encode())
    )
    settings = Settings(offline=True, cache_dir=tmp_path / "cache")
    local = LocalCatalog(settings)
    assert local.import_file(CORPUS / "catalog.jsonl") > 5000
    assert local.import_file(xml) == len(catalog.articles)
    pages = sorted({page for page, _ in catalog.expect})
    resolved = []
    for page in pages:
        article = parsed_article(page)
        resolve_article(article, settings, sources=[local])
        resolved.append((page, article))
    local.close()
    score = score_pmids(resolved, catalog.expect)
    assert score.precision >= 0.99, score.wrong[:5]
    assert score.recall >= 0.97, score.misses[:5]
