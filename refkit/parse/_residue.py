"""Link residue: the one list of labels web pages print after a reference.

``PubMed``, ``Google Scholar``, ``crossref``, ``[CAS]``, ``View Article``: both the line classifier
(:mod:`refkit.parse.sections`, residue on lines of its own or trailing a reference line) and the
reference parser (:mod:`refkit.parse._identifiers`, residue left inside one reference string) read
these labels, from this list, so a label is residue in both places or in neither.
"""

from __future__ import annotations

import re

# Each label is a phrase of words, matched case-blind; longest first, so "pubmed central" wins over "pubmed".
RESIDUE_PHRASES: list[tuple[str, ...]] = sorted(
    (
        tuple(p.split())
        for p in (
            "crossref", "cross ref", "crossref full text", "pubmed", "pubmed abstract", "pubmed central",
            "google scholar", "cas", "full text", "free full text", "abstract", "article", "web of science",
            "scopus", "pmc free article", "free pmc article", "pmc", "europe pmc", "medline", "isi",
            "chemport", "publisher full text", "view article", "view abstract", "find this article online",
            "openurl", "semantic scholar", "ads", "doi", "link", "ref list", "search google scholar",
            "free article", "pdf", "full text pdf", "html", "wiley online library", "sciencedirect",
            "springerlink", "jstor", "order article via infotrieve", "abstract/free full text",
            "article locations", "pubmed citation", "google", "worldcat", "scholar", "ncbi", "epub",
            "export citation", "citation", "abstract/free full text", "search ads", "crossref search ads",
            "pubmed/ncbi", "pubmed/medline", "crossref/pubmed", "full text/pdf", "pdf/full text", "openalex",
            "europepmc", "pubmed ncbi", "ncbi pubmed", "mathscinet", "zbmath", "inspire",
            "astrophysics data system",
            "view in scopus", "view in article", "pubmed central full text", "find at", "find it", "get it",
            "view pdf", "view full text", "cited here", "view at", "view at:", "green version",
            "ovid full text", "europe pmc free article", "search in google scholar",
            "pmc full text", "ref", "refs", "publisher site", "full article", "full-text", "free full-text",
        )
    ),
    key=len,
    reverse=True,
)


def residue_alternation() -> str:
    """The labels as one regex alternation (longest first; words apart by any whitespace)."""
    return "|".join(r"\s+".join(re.escape(w) for w in phrase) for phrase in RESIDUE_PHRASES)
