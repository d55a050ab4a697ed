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
