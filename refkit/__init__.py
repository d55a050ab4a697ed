"""refkit: turn a case report's reference list into a verified, linked bibliography."""

from refkit.model import Article, Author, Caption, Match, Reference, Work

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Author",
    "Caption",
    "Match",
    "Reference",
    "Work",
    "__version__",
    "parse_article",
    "parse_reference",
]


def parse_article(text: str, source: str | None = None) -> Article:
    """Split a pasted case report (or JATS XML) into an :class:`Article`."""
    from refkit.parse import parse_article as _parse_article

    return _parse_article(text, source=source)


def parse_reference(text: str) -> Reference:
    """Parse one reference string (line breaks and all) into a :class:`Reference`."""
    from refkit.parse import parse_reference as _parse_reference

    return _parse_reference(text)
