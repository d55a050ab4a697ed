"""Resolve references: gather candidates from every source, validate, decide, explain.

A source is anything with ``name``, ``search(query, rows)`` and ``lookup(doi)`` returning
Crossref work records: the local catalog, the Crossref client. Every reference ends with
a ``Match`` (matched / ambiguous / unmatched / error) and a reason; none is dropped.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Protocol

from refkit.model import Article, Match, Reference
from refkit.resolve.catalog import LocalCatalog
from refkit.resolve.crossref_records import work_from_crossref
from refkit.resolve.matcher import Validation, normalize, validate
from refkit.settings import Settings

DEFAULT_MIN_CONFIDENCE = 0.8
# Two candidates whose log-odds differ by less than this are a tie: abstain.
TIE_MARGIN = 1.0
# A catalog answer this sure is not worth a network request.
SURE = 0.995
MAX_WORKERS = 16

# A DOI as printed; PDF extraction can leave a space or line break after the slash.
_DOI = re.compile(r"\b(10\.\d{4,9})\s*/\s*([^\s\"<>]+)", re.IGNORECASE)
_LINK_RESIDUE = re.compile(r"\[(?:PubMed|Google Scholar|CrossRef|PMC free article|Ref list)\]", re.IGNORECASE)


class Source(Protocol):
    name: str

    def search(self, query: str, rows: int = 5) -> list[dict[str, Any]]: ...

    def lookup(self, doi: str) -> dict[str, Any] | None: ...


def _crossref_errors() -> tuple[type[BaseException], type[BaseException]]:
    """The client's exception types (its module may be absent in a trimmed install)."""
    try:
        from refkit.resolve.crossref import CrossrefError, CrossrefUnavailable
    except ImportError:  # pragma: no cover - the client ships with refkit
        return (_NoSuchError, _NoSuchError)
    return CrossrefUnavailable, CrossrefError


class _NoSuchError(Exception):
    pass


def default_sources(settings: Settings) -> list[Source]:
    sources: list[Source] = [LocalCatalog(settings)]
    if not settings.offline:
        from refkit.resolve.crossref import CrossrefClient

        sources.append(CrossrefClient(settings))
    return sources


def printed_doi(ref: Reference) -> str | None:
    """The DOI the reference prints (parser's, else found in the raw text), cleaned."""
    if ref.doi:
        return ref.doi.strip().rstrip(".,;")
    m = _DOI.search(ref.raw)
    if not m:
        return None
    return f"{m.group(1)}/{m.group(2).rstrip('.,;)]')}"


def query_text(ref: Reference) -> str:
    """The whole reference string (Crossref's advice), minus web residue and line-end hyphens."""
    text = _LINK_RESIDUE.sub(" ", ref.raw)
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return " ".join(text.split())


class Resolver:
    """Holds the sources and the per-run state (which sources went down, what was said)."""

    def __init__(
        self,
        sources: Sequence[Source],
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.sources = list(sources)
        self.min_confidence = min_confidence
        self.warn = warn or (lambda msg: print(f"refkit: {msg}", file=sys.stderr))
        self.catalog = next((s for s in self.sources if isinstance(s, LocalCatalog)), None)
        self._down: set[str] = set()
        self._down_reasons: list[str] = []
        self._answered: set[int] = set()  # threads whose current reference got an answer
        self._lock = threading.Lock()
        self._unavailable, self._source_error = _crossref_errors()

    # -- talking to sources -------------------------------------------------------------
    def _live(self) -> list[Source]:
        return [s for s in self.sources if s.name not in self._down]

    def _call(self, source: Source, method: str, *args: Any, errors: list[str]) -> Any:
        """Call a source. One that cannot be asked at all is marked down, said once, and skipped
        afterwards; a request that failed for good is noted in ``errors`` for this reference."""
        try:
            result = getattr(source, method)(*args)
        except self._unavailable as err:
            self._mark_down(source, err)
            return None
        except self._source_error as err:
            errors.append(f"{source.name}: {err}")
            return None
        self._answered.add(threading.get_ident())
        if result and source is not self.catalog and self.catalog is not None:
            records = result if isinstance(result, list) else [result]
            self.catalog.add(records, origin=source.name)  # works fetched live stay available offline
        return result

    def _mark_down(self, source: Source, err: BaseException) -> None:
        with self._lock:
            if source.name in self._down:
                return
            self._down.add(source.name)
            self._down_reasons.append(str(err) or f"{source.name} unavailable")
        message = str(err) or f"{source.name} unavailable"
        if source.name == "crossref" and "crossref" not in message.lower():
            message = f"Crossref: {message}"
        others = [
            "the local catalog" if s is self.catalog else s.name
            for s in self.sources
            if s.name not in self._down
        ]
        self.warn(f"{message}; carrying on with {', '.join(others)}" if others else message)

    # -- one reference ------------------------------------------------------------------
    def resolve(self, ref: Reference) -> Reference:
        try:
            return self._resolve(ref)
        except Exception as err:  # an outcome, not a crash: the reference keeps its place
            ref.match = Match("error", reason=f"{type(err).__name__}: {err}")
            return ref

    def _resolve(self, ref: Reference) -> Reference:
        candidates: dict[str, tuple[dict[str, Any], str]] = {}
        notes: list[str] = []
        errors: list[str] = []
        self._answered.discard(threading.get_ident())
        doi = printed_doi(ref)
        if doi:
            for source in self._live():
                record = self._call(source, "lookup", doi, errors=errors)
                if record:
                    candidates.setdefault(record["DOI"].lower(), (record, source.name))
                    break
            else:
                notes.append(f"printed DOI {doi} not found")
        validations = self._validate_all(ref, candidates, doi)
        if not (validations and validations[0].confidence >= SURE and not validations[0].veto):
            query = query_text(ref)
            for source in self._live():
                rows = 10 if source is self.catalog else 5
                for record in self._call(source, "search", query, rows, errors=errors) or []:
                    if record.get("DOI"):
                        candidates.setdefault(record["DOI"].lower(), (record, source.name))
                self._follow_versions(candidates, errors)
                validations = self._validate_all(ref, candidates, doi)
                if validations and validations[0].confidence >= SURE and not validations[0].veto:
                    break  # sure already: spare the next source a request
        if doi and validations and doi.lower() in candidates and validations[0].doi.lower() != doi.lower():
            notes.append(f"printed DOI {doi} does not fit the reference")
        answered = threading.get_ident() in self._answered
        self._decide(ref, validations, candidates, notes + errors, answered=answered)
        if errors and ref.match is not None and ref.match.status == "unmatched":
            # A source failed for this reference: "not found" would be a claim we cannot make.
            ref.match.status = "error"
            ref.match.reason = f"{'; '.join(errors)}; other sources: {ref.match.reason}"
        return ref

    def _follow_versions(self, candidates: dict[str, tuple[dict[str, Any], str]], errors: list[str]) -> None:
        """A preprint found names its published version: fetch that too, so the two can be compared."""
        wanted = []
        for record, _ in list(candidates.values()):
            for rel in (record.get("relation") or {}).get("is-preprint-of") or []:
                target = str(rel.get("id") or "").strip().lower() if isinstance(rel, dict) else ""
                if target.startswith("10.") and target not in candidates and target not in wanted:
                    wanted.append(target)
        for target in wanted[:3]:
            for source in self._live():
                record = self._call(source, "lookup", target, errors=errors)
                if record and record.get("DOI"):
                    candidates.setdefault(record["DOI"].lower(), (record, source.name))
                    break

    def _validate_all(
        self, ref: Reference, candidates: dict[str, tuple[dict[str, Any], str]], doi: str | None
    ) -> list[Validation]:
        found = [validate(ref, record, printed_doi=doi) for record, _ in candidates.values()]
        return sorted(found, key=lambda v: (v.veto is None, v.logit), reverse=True)

    def _decide(
        self,
        ref: Reference,
        validations: list[Validation],
        candidates: dict[str, tuple[dict[str, Any], str]],
        notes: list[str],
        *,
        answered: bool = True,
    ) -> None:
        runner_ups = [{"doi": v.doi, "confidence": round(v.confidence, 3)} for v in validations[1:4]]
        if not validations:
            if not answered:  # every source failed or was down: we do not know
                why = "; ".join(notes + self._down_reasons) or "no source available"
                ref.match = Match("error", reason=f"no source answered ({why})")
                return
            reason = "no candidate found" + (f" ({'; '.join(notes)})" if notes else "")
            ref.match = Match("unmatched", reason=reason)
            return
        best = validations[0]
        record, source = candidates[best.doi.lower()]
        if best.veto or best.confidence < self.min_confidence:
            why = best.summary()
            if best.veto or best.confidence >= 0.5:
                reason = f"best candidate {best.doi} rejected: {why}"
            else:  # nothing close: say so first, then what the nearest record got wrong
                reason = f"no record found that agrees; nearest {best.doi}: {why}"
            if notes:
                reason += f" ({'; '.join(notes)})"
            ref.match = Match("unmatched", None, best.confidence, source, best.evidence, reason, runner_ups)
            return
        rival = next((v for v in validations[1:] if not v.veto and v.confidence >= self.min_confidence), None)
        if rival and best.logit - rival.logit < TIE_MARGIN:
            reason = (
                f"{best.doi} and {rival.doi} fit equally well "
                f"({best.confidence:.2f} vs {rival.confidence:.2f})"
            )
            ref.match = Match("ambiguous", None, best.confidence, source, best.evidence, reason, runner_ups)
            return
        reason = f"validated: {_agreeing(best)}"
        if notes:
            reason += f" ({'; '.join(notes)})"
        ref.match = Match("matched", best.doi, best.confidence, source, best.evidence, reason, runner_ups)
        ref.work = work_from_crossref(record, origin=source)
        ref.discrepancies = discrepancies(ref, best)
        ref.updates = updates(record, best.flags)


def _agreeing(v: Validation) -> str:
    agree = [name for name, ev in v.evidence.items() if ev["verdict"] == "match"]
    differ = [name for name, ev in v.evidence.items() if ev["verdict"] in ("mismatch", "close", "weak")]
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


def updates(record: dict[str, Any], flags: list[str]) -> list[dict[str, Any]]:
    """Retractions, corrections, expressions of concern recorded against the matched work."""
    found = []
    for u in record.get("updated-by") or []:
        found.append(
            {
                "type": u.get("type"),
                "doi": u.get("DOI"),
                "source": u.get("source"),
                "label": u.get("label"),
                "date": (u.get("updated") or {}).get("date-time")
                or "-".join(str(p) for p in ((u.get("updated") or {}).get("date-parts") or [[]])[0])
                or None,
            }
        )
    if "retracted-title" in flags and not any(u["type"] == "retraction" for u in found):
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


def match_flags(ref: Reference) -> list[str]:
    """Short flags for a table: retracted, corrected, … (from updates)."""
    kinds = {str(u.get("type") or "").lower() for u in ref.updates}
    names = {
        "retraction": "RETRACTED",
        "correction": "corrected",
        "expression_of_concern": "CONCERN",
        "expression-of-concern": "CONCERN",
        "withdrawal": "WITHDRAWN",
    }
    return sorted(names.get(k, k) for k in kinds if k)


def resolve_reference(
    ref: Reference, sources: Sequence[Source], *, min_confidence: float = DEFAULT_MIN_CONFIDENCE
) -> Reference:
    return Resolver(sources, min_confidence=min_confidence).resolve(ref)


def resolve_article(
    article: Article,
    settings: Settings,
    *,
    sources: Sequence[Source] | None = None,
    progress: Callable[[Reference], None] | None = None,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    warn: Callable[[str], None] | None = None,
    resolver: Resolver | None = None,
) -> Article:
    """Fill each reference's match, work, discrepancies and updates; returns the article.

    References are resolved in parallel up to what the live sources allow. On Ctrl-C the
    references not reached are marked ``error`` ("interrupted") and the interrupt goes on,
    so the caller can still write what was done.
    """
    resolver = resolver or Resolver(
        sources if sources is not None else default_sources(settings),
        min_confidence=min_confidence,
        warn=warn,
    )
    refs = article.references
    # A network source gates its own requests (rate and requests in flight, raised as the server
    # announces more), so the pool only needs to be wide enough for what it may be allowed.
    live = [s for s in resolver.sources if s is not resolver.catalog]
    workers = (
        min(MAX_WORKERS, max([4] + [int(getattr(s, "concurrency", 1) or 1) for s in live])) if live else 1
    )
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
