"""What a source of works is: the local catalog, Crossref, PubMed all answer the same two calls.

A source answers with :class:`~refkit.model.Work` objects (its adapter turns its own records
into them) or raises :class:`~refkit.errors.SourceError` ("could not ask, because…") /
:class:`~refkit.errors.SourceUnavailable` ("cannot be asked at all this run"). The resolver
never checks a source's type or name.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from refkit.model import Reference, Work


@runtime_checkable
class Source(Protocol):
    """A place to look works up."""

    name: str  # shown in reasons and evidence ("catalog", "crossref", "pubmed")
    local: bool  # True for an embedded store: no requests, no rate limits, write-through target

    def lookup(self, *, doi: str | None = None, pmid: str | None = None,
               pmcid: str | None = None) -> list[Work]:
        """The works with this identifier (usually one; none when unknown)."""
        ...

    def search(self, ref: Reference, rows: int = 5) -> list[Work]:
        """Candidate works for ``ref``, best first (at most ``rows``)."""
        ...
