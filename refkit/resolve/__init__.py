"""refkit.resolve: find each reference's DOI and PMID, validated field by field.

Sources (the local catalog, Crossref, PubMed) give candidate :class:`~refkit.model.Work`
objects; the matcher checks each against the reference; the pipeline decides and explains.
"""

from refkit.resolve.catalog import LocalCatalog
from refkit.resolve.matcher import validate, validate_candidate
from refkit.resolve.pipeline import (
    DEFAULT_MIN_CONFIDENCE,
    Resolver,
    default_sources,
    resolve_article,
    resolve_reference,
)
from refkit.resolve.source import Source

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "LocalCatalog",
    "Resolver",
    "Source",
    "default_sources",
    "resolve_article",
    "resolve_reference",
    "validate",
    "validate_candidate",
]
