"""refkit.resolve: find each reference's DOI, validated field by field.

Sources (the local catalog, the Crossref client) give candidates; the matcher checks each
against the reference; the pipeline decides and explains.
"""

from refkit.resolve.catalog import LocalCatalog
from refkit.resolve.matcher import validate_candidate
from refkit.resolve.pipeline import (
    DEFAULT_MIN_CONFIDENCE,
    Resolver,
    default_sources,
    match_flags,
    resolve_article,
    resolve_reference,
)

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "LocalCatalog",
    "Resolver",
    "default_sources",
    "match_flags",
    "resolve_article",
    "resolve_reference",
    "validate_candidate",
]
