"""Resolve references: gather candidate works from every source, validate, decide, explain.

A source is anything that follows :class:`refkit.resolve.source.Source` (the local catalog,
Crossref, PubMed): it answers with :class:`Work` objects, or raises ``SourceError`` (this request
failed for good) / ``SourceUnavailable`` (it cannot be asked this run). Every reference ends with
a ``Match`` (matched / ambiguous / unmatched / error) and a reason; none is dropped. A reference
is ``unmatched`` only when every source that should have been asked was asked; when one could
not be, it is ``error``, and the reason says which and why.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from refkit.errors import SourceError, SourceUnavailable
from refkit.messages import warn
from refkit.model import Article, Match, Reference, Work
from refkit.resolve.confidence import DECISION
from refkit.resolve.matcher import Validation, validate
from refkit.resolve.source import Source
from refkit.settings import Settings
from refkit.text import fold as normalize

DEFAULT_MIN_CONFIDENCE = DECISION.accept
MAX_WORKERS = 16
_ALL_IDS = frozenset(["doi", "pmid", "pmcid"])

# A DOI as printed; PDF extraction can leave a space or line break after the slash.
_DOI = re.compile(r"\b(10\.\d{4,9})\s*/\s*([^\s\"<>]+)", re.IGNORECASE)


def network_sources(settings: Settings) -> list[Source]:
    """The live services this run may ask: Crossref, and PubMed unless turned off; none offline."""
    if settings.offline:
        return []
    from refkit.resolve.crossref import CrossrefClient
    from refkit.resolve.crossref_records import CrossrefSource

    sources: list[Source] = [CrossrefSource(CrossrefClient(settings))]
    if settings.pubmed:
        from refkit.resolve.pubmed import EutilsClient
        from refkit.resolve.pubmed_records import PubMedSource

        sources.append(PubMedSource(EutilsClient(settings)))
    return sources


def default_sources(settings: Settings) -> list[Source]:
    """The local catalog, and the live services unless ``settings.offline``."""
    from refkit.resolve.catalog import LocalCatalog

    return [LocalCatalog(settings), *network_sources(settings)]


def printed_doi(ref: Reference) -> str | None:
    """The DOI the reference prints (parser's, else found in the raw text), cleaned."""
    if ref.doi:
        return ref.doi.strip().rstrip(".,;")
    m = _DOI.search(ref.raw)
    if not m:
        return None
    return f"{m.group(1)}/{m.group(2).rstrip('.,;)]')}"


def _identifiers(source: Source) -> frozenset[str]:
    """Which identifiers a source can look works up by (all of them, unless it says otherwise)."""
    return frozenset(getattr(source, "identifiers", _ALL_IDS))


@dataclass
class _Candidate:
    work: Work
    sources: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # identifier -> the source that gave it


class _Pool:
    """The candidate works for one reference; one work from two sources (same DOI, or same PMID
    with no conflicting DOI) is one candidate holding both identifiers."""

    def __init__(self) -> None:
        self.items: list[_Candidate] = []
        self.conflicts: list[str] = []

    def add(self, works: Iterable[Work], source: str) -> None:
        for work in works:
            if not (work.doi or work.pmid or work.pmcid):
                continue
            same = self._same(work)
            if same is None:
                self.items.append(_Candidate(work, [source], {k: source for k in _ids_of(work)}))
                continue
            for k in _ids_of(work):
                same.ids.setdefault(k, source)
            same.work = same.work.merge(work)
            if source not in same.sources:
                same.sources.append(source)

    def _same(self, work: Work) -> _Candidate | None:
        for c in self.items:
            held = c.work
            if work.doi and held.doi and work.doi.lower() == held.doi.lower():
                return c
            if work.pmid and held.pmid and work.pmid == held.pmid:
                if work.doi and held.doi:  # one PMID, two DOIs: the sources disagree
                    self.conflicts.append(
                        f"PMID {work.pmid} has DOI {work.doi} in one source and {held.doi} in another"
                    )
                    return None
                return c
        return None

    def works(self) -> list[Work]:
        return [c.work for c in self.items]

    def candidate(self, key: str) -> _Candidate:
        return next(c for c in self.items if c.work.key == key)

    def has(self, *, doi: str | None = None, pmid: str | None = None) -> bool:
        return any(
            (doi and c.work.doi and c.work.doi.lower() == doi.lower()) or (pmid and c.work.pmid == pmid)
            for c in self.items
        )


def _ids_of(work: Work) -> list[str]:
    return [k for k in ("doi", "pmid", "pmcid") if getattr(work, k)]


class Resolver:
    """Holds the sources and the per-run state (which sources went down, what was said)."""

    def __init__(
        self,
        sources: Sequence[Source],
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        not_asked: Sequence[str] = (),
    ) -> None:
        self.sources = list(sources)
        self.min_confidence = min_confidence
        # Sources deliberately left out of this run ("Crossref (offline)"): said in reasons, so
        # "not found" is never read as "does not exist".
        self.not_asked = list(not_asked)
        self.store = next((s for s in self.sources if getattr(s, "local", False) and hasattr(s, "add")), None)
        self._down: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- talking to sources -------------------------------------------------------------
    def live(self) -> list[Source]:
        return [s for s in self.sources if s.name not in self._down]

    def _ask(self, source: Source, call: Callable[[], list[Work]], failed: list[str]) -> list[Work] | None:
        """Ask one source. One that cannot be asked at all is marked down, said once, and skipped
        afterwards; a request that failed for good is noted in ``failed`` for this reference."""
        try:
            works = call()
        except SourceUnavailable as err:
            self._mark_down(source, err)
            failed.append(f"{source.name}: {err}")
            return None
        except SourceError as err:
            failed.append(f"{source.name}: {err}")
            return None
        if works and self.store is not None and source is not self.store:
            try:
                self.store.add(works, origin=source.name)  # works fetched live stay available offline
            except (SourceError, OSError) as err:
                warn(f"could not keep {source.name}'s answer in the local catalog: {err}", once=True)
        return works

    def _mark_down(self, source: Source, err: BaseException) -> None:
        message = str(err) or f"{source.name} unavailable"
        with self._lock:
            if source.name in self._down:
                return
            self._down[source.name] = message
            others = [
                ("the local catalog" if getattr(s, "local", False) else s.name)
                for s in self.sources
                if s.name not in self._down
            ]
        if source.name.lower() not in message.lower():
            message = f"{source.name.capitalize()}: {message}"
        warn(f"{message}; carrying on with {', '.join(others)}" if others else message)

    # -- one reference ------------------------------------------------------------------
    def resolve(self, ref: Reference) -> Reference:
        try:
            return self._resolve(ref)
        except Exception as err:  # an outcome, not a crash: the reference keeps its place
            ref.match = Match("error", reason=f"{type(err).__name__}: {err}")
            return ref

    def _resolve(self, ref: Reference) -> Reference:
        pool = _Pool()
        notes: list[str] = []
        failed: list[str] = []
        asked: set[str] = set()
        doi, pmid, pmcid = printed_doi(ref), (ref.pmid or None), (ref.pmcid or None)
        if doi or pmid or pmcid:
            for source in self.live():
                wanted = {
                    k: v
                    for k, v in (("doi", doi), ("pmid", pmid), ("pmcid", pmcid))
                    if v and k in _identifiers(source)
                }
                if not wanted:
                    continue
                works = self._ask(source, partial(source.lookup, **wanted), failed)
                if works is not None:
                    asked.add(source.name)
                    pool.add(works, source.name)
            if doi and not pool.has(doi=doi):
                notes.append(f"printed DOI {doi} not found" + self._where_looked(asked))
            if pmid and not pool.has(pmid=pmid):
                notes.append(f"printed PMID {pmid} not found" + self._where_looked(asked))
        validations = self._validate_all(ref, pool, doi, pmid)
        if not self._sure(validations):
            for source in self.live():
                works = self._ask(source, partial(source.search, ref, 10 if source.local else 5), failed)
                if works is None:
                    continue
                asked.add(source.name)
                pool.add(works, source.name)
                self._follow_versions(pool, failed)
                validations = self._validate_all(ref, pool, doi, pmid)
                if self._sure(validations):
                    break  # sure already: spare the next source a request
        if doi and validations and pool.has(doi=doi) and (validations[0].doi or "").lower() != doi.lower():
            notes.append(f"printed DOI {doi} does not fit the reference")
        chosen = self._decide(ref, validations, pool, notes + pool.conflicts)
        if chosen is not None:
            self._complete_identifiers(ref, chosen, failed)
        self._unasked_is_error(ref, asked, failed)
        return ref

    def _where_looked(self, asked: set[str]) -> str:
        where = " in " + ", ".join(sorted(asked)) if asked else ""
        if self.not_asked:
            where += f"; not looked up in {', '.join(self.not_asked)}"
        return where

    def _sure(self, validations: list[Validation]) -> bool:
        return bool(validations) and validations[0].confidence >= DECISION.sure and not validations[0].veto

    def _unasked_is_error(self, ref: Reference, asked: set[str], failed: list[str]) -> None:
        """ "Not found" is a claim only when every source was asked: otherwise the outcome is error."""
        match = ref.match
        if match is None or match.status == "matched":
            return
        missing = [s.name for s in self.sources if s.name not in asked]
        if not missing and not failed:
            return
        why = list(
            dict.fromkeys(
                failed
                + [
                    f"{name}: {self._down[name]}"
                    for name in missing
                    if name in self._down and not any(f.startswith(name) for f in failed)
                ]
            )
        )
        if not why:
            why = [f"{name} not asked" for name in missing]
        match.status = "error"
        match.reason = f"could not ask every source ({'; '.join(why)}); so far: {match.reason}"

    def _follow_versions(self, pool: _Pool, failed: list[str]) -> None:
        """A preprint found names its published version: fetch that too, so the two can be compared."""
        wanted = [t for w in pool.works() for t in w.preprint_of if not pool.has(doi=t)]
        for target in list(dict.fromkeys(wanted))[:3]:
            for source in self.live():
                if "doi" not in _identifiers(source):
                    continue
                works = self._ask(source, partial(source.lookup, doi=target), failed)
                if works:
                    pool.add(works, source.name)
                    break

    def _complete_identifiers(self, ref: Reference, candidate: _Candidate, failed: list[str]) -> None:
        """A match from one source lacks what another knows (a PMID for a DOI, or the reverse):
        ask the sources that can say, and accept their identifier only if their work validates
        against the reference too and names no other DOI."""
        match = ref.match
        assert match is not None
        work = candidate.work
        for source in self.live():
            missing = [
                k for k in ("doi", "pmid", "pmcid") if not getattr(work, k) and k in _identifiers(source)
            ]
            if not missing or source.name in candidate.sources:
                continue
            by = {
                k: getattr(work, k) for k in ("doi", "pmid") if getattr(work, k) and k in _identifiers(source)
            }
            if not by:
                continue
            works = self._ask(source, partial(source.lookup, **by), failed) or []
            for other in works:
                if work.doi and other.doi and other.doi.lower() != work.doi.lower():
                    ref.discrepancies.append(
                        {
                            "field": "doi",
                            "cited": work.doi,
                            "record": other.doi,
                            "note": f"{source.name} gives PMID {other.pmid} DOI {other.doi}",
                        }
                    )
                    continue
                check = validate(ref, other)
                if check.veto or check.confidence < self.min_confidence:
                    continue
                for k in missing:
                    if getattr(other, k):
                        candidate.ids.setdefault(k, source.name)
                work = candidate.work = work.merge(other)
                candidate.sources.append(source.name)
        match.pmid, match.pmcid = work.pmid, work.pmcid
        match.ids = dict(candidate.ids)
        ref.work = work

    def _validate_all(
        self, ref: Reference, pool: _Pool, doi: str | None, pmid: str | None
    ) -> list[Validation]:
        found = [validate(ref, w, printed_doi=doi, printed_pmid=pmid) for w in pool.works()]
        return sorted(found, key=lambda v: (v.veto is None, v.logit), reverse=True)

    def _decide(
        self, ref: Reference, validations: list[Validation], pool: _Pool, notes: list[str]
    ) -> _Candidate | None:
        """Set ``ref.match``; the candidate accepted, if any."""
        runner_ups = [
            {"doi": v.doi, "pmid": v.work.pmid if v.work else None, "confidence": round(v.confidence, 3)}
            for v in validations[1:4]
        ]
        if not validations:
            reason = "no candidate found" + (f" ({'; '.join(notes)})" if notes else "")
            ref.match = Match("unmatched", reason=reason)
            return None
        best = validations[0]
        candidate = pool.candidate(best.key)
        source = candidate.sources[0]
        evidence = dict(best.evidence)
        if best.veto or best.confidence < self.min_confidence:
            why = best.summary()
            if best.veto or best.confidence >= 0.5:
                reason = f"best candidate {best.label} rejected: {why}"
            elif _related(best):  # nothing close: say so, and what the nearest related record got wrong
                reason = f"no record found that agrees; nearest {best.label}: {why}"
            else:
                reason = "no record found that agrees (no candidate shares the title or the first author)"
            if notes:
                reason += f" ({'; '.join(notes)})"
            ref.match = Match("unmatched", None, best.confidence, source, evidence, reason, runner_ups)
            return None
        rival = next((v for v in validations[1:] if not v.veto and v.confidence >= self.min_confidence), None)
        if rival and best.logit - rival.logit < DECISION.tie_margin:
            reason = (
                f"{best.label} and {rival.label} fit equally well "
                f"({best.confidence:.2f} vs {rival.confidence:.2f})"
            )
            ref.match = Match("ambiguous", None, best.confidence, source, evidence, reason, runner_ups)
            return None
        reason = f"validated: {_agreeing(best)}"
        if notes:
            reason += f" ({'; '.join(notes)})"
        work = candidate.work
        ref.match = Match(
            "matched",
            work.doi,
            best.confidence,
            source,
            evidence,
            reason,
            runner_ups,
            pmid=work.pmid,
            pmcid=work.pmcid,
            ids=dict(candidate.ids),
        )
        ref.work = work
        ref.discrepancies = discrepancies(ref, best)
        ref.updates = updates(work, best.flags)
        return candidate


def _related(v: Validation) -> bool:
    """Whether a rejected candidate is worth naming: it shares the title or the first author."""
    return (
        v.evidence["title"]["verdict"] in ("match", "close", "weak", "partial")
        or v.evidence["author"]["verdict"] == "match"
    )


def _agreeing(v: Validation) -> str:
    agree = [name for name, ev in v.evidence.items() if ev["verdict"] == "match"]
    differing = ("mismatch", "close", "weak", "partial")
    differ = [name for name, ev in v.evidence.items() if ev["verdict"] in differing]
    text = ", ".join(agree) + " agree"
    if differ:
        text += f"; {', '.join(differ)} differ"
    return text


def discrepancies(ref: Reference, v: Validation) -> list[dict[str, Any]]:
    """What the reference says differently from the canonical record (for editors to fix)."""
    found: list[dict[str, Any]] = []
    ev = v.evidence
    for name in ("year", "volume", "issue"):
        cited, record = ev[name]["cited"], ev[name]["record"]
        if cited and record and ev[name]["verdict"] != "match":
            found.append({"field": name, "cited": cited, "record": record})
    page = ev["page"]
    if ref.first_page and page["record"] and page["verdict"] != "match":
        found.append(
            {"field": "pages", "cited": _pages(ref.first_page, ref.last_page), "record": page["record"]}
        )
    title = ev["title"]
    if ref.title and title["record"] and normalize(ref.title) != normalize(title["record"]):
        cited_words, record_words = set(normalize(ref.title).split()), set(normalize(title["record"]).split())
        missing, extra = sorted(record_words - cited_words), sorted(cited_words - record_words)
        if missing or extra:
            found.append(
                {
                    "field": "title",
                    "cited": ref.title,
                    "record": title["record"],
                    "missing_words": missing,
                    "extra_words": extra,
                }
            )
    author = ev["author"]
    if author["cited"] and author["record"] and normalize(author["cited"]) != normalize(author["record"]):
        found.append({"field": "author", "cited": author["cited"], "record": author["record"]})
    return found


def _pages(first: str, last: str | None) -> str:
    return f"{first}-{last}" if last else first


def updates(work: Work, flags: list[str]) -> list[dict[str, Any]]:
    """Retractions, corrections, expressions of concern recorded against the matched work."""
    found = [dict(u) for u in work.updated_by]
    if "retracted-title" in flags and not any(u.get("type") == "retraction" for u in found):
        found.append(
            {
                "type": "retraction",
                "doi": None,
                "source": "title",
                "label": "title marks it retracted",
                "date": None,
            }
        )
    return found


def resolve_reference(
    ref: Reference, sources: Sequence[Source], *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> Reference:
    return Resolver(sources, min_confidence=min_confidence).resolve(ref)


def resolve_article(
    article: Article,
    settings: Settings | None = None,
    *,
    sources: Sequence[Source] | None = None,
    progress: Callable[[Reference], None] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    resolver: Resolver | None = None,
) -> Article:
    """Fill each reference's match, work, discrepancies and updates; returns the article.

    References are resolved in parallel up to what the live sources allow. On Ctrl-C the
    references not reached are marked ``error`` ("interrupted") and the interrupt goes on,
    so the caller can still write what was done.
    """
    if resolver is None:
        chosen = sources if sources is not None else default_sources(settings or Settings())
        resolver = Resolver(chosen, min_confidence=min_confidence)
    refs = article.references
    # A network source gates its own requests (rate and requests in flight, raised as the server
    # announces more), so the pool only needs to be wide enough for what it may be allowed.
    live = [s for s in resolver.sources if not getattr(s, "local", False)]
    workers = (
        min(MAX_WORKERS, max([4] + [int(getattr(s, "concurrency", 1) or 1) for s in live])) if live else 1
    )
    for source in resolver.live():
        prepare = getattr(source, "prepare", None)
        if prepare is not None:  # a batch service answers a whole article in one request
            prepare(refs)
    try:
        if workers <= 1 or len(refs) <= 1:
            for ref in refs:
                resolver.resolve(ref)
                if progress:
                    progress(ref)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(resolver.resolve, ref) for ref in refs]
                try:
                    for future in as_completed(futures):
                        done = future.result()  # re-raises what a worker could not turn into an outcome
                        if progress:
                            progress(done)
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
    except KeyboardInterrupt:
        for ref in refs:
            if ref.match is None:
                ref.match = Match("error", reason="interrupted before this reference was resolved")
        article.warnings.append("resolve interrupted; unresolved references are marked error")
        raise
    return article
