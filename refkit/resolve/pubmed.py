"""The NCBI E-utilities client: the only code in refkit that talks to PubMed.

Three calls: ``ecitmatch.cgi`` (the batch citation matcher), ``esearch.fcgi`` (field-tagged
queries) and ``efetch.fcgi`` (full PubMed XML records, batched). NCBI allows 3 requests a second
without an API key and 10 with one, and answers 429 past that: the client paces every request
under the limit (all threads together; see ``_ArrivalWindow`` for why that is a guarantee and
not a hope), backs off on 429 and 5xx, and keeps every answer in a
persistent cache — records one PMID at a time, so a second run, or another batch naming the same
PMID, asks nothing. Every request carries ``tool=refkit`` and ``email=`` (the ``--mailto``
address) as NCBI asks, and ``api_key`` when one is given.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar
from xml.etree.ElementTree import Element, ParseError, tostring

import requests
import urllib3.exceptions
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from requests.adapters import HTTPAdapter

from refkit import __version__
from refkit.errors import SourceError, SourceUnavailable
from refkit.model import Work
from refkit.resolve.pubmed_records import works_from_xml
from refkit.resolve.rate_limit import Limits, RequestGate, parse_retry_after
from refkit.resolve.response_cache import CachedResponse, ResponseCache
from refkit.settings import Settings

CACHE_FILE = "pubmed.sqlite"
TOOL = "refkit"
# NCBI's published limits. Requests in flight are capped at the rate: more could only queue.
WITHOUT_KEY = Limits(rate=3, interval=1.0, concurrency=3)
WITH_KEY = Limits(rate=10, interval=1.0, concurrency=10)
# Pacing alone (starts spaced by the rate) is not enough: NCBI counts arrivals, and a request held
# up on its way (a busy interpreter, the network) arrives next to the one after it. Runs over the
# 40 corpus pages drew 429s from the loopback server with starts spaced a tenth, and even a
# quarter, wider than the limit. _ArrivalWindow makes the limit a guarantee; the gate paces.
_PACING_MARGIN = 0.05
EFETCH_BATCH = 200  # NCBI: up to 200 ids per GET
ECITMATCH_BATCH = 100  # citation lines per request (the URL stays a few kilobytes)
_MAX_BACKOFF = 30.0
_MAX_WAIT = 60.0
_CONNECT_TIMEOUT = 10.0
_SET_HEAD = b'<?xml version="1.0" ?>\n<PubmedArticleSet>\n'
_SET_TAIL = b"\n</PubmedArticleSet>\n"

_T = TypeVar("_T")  # what a response body decodes to


class PubMedError(SourceError):
    """An E-utilities request that failed for good (after any retries)."""


class PubMedUnavailable(SourceUnavailable):
    """PubMed cannot be asked this run (offline, turned off, unreachable): stop asking."""


class _Retryable(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class _ArrivalWindow:
    """At most ``rate`` requests that the server can count in any one ``interval``.

    A request arrives at the server after it was started and before its answer came back. So if
    a new request starts only while fewer than ``rate`` others are in flight or ended less than
    ``interval`` ago, no window of ``interval`` seconds at the server can hold more than ``rate``
    arrivals, however late any of them arrived. The price is the round trip: ``rate`` requests
    per interval plus one round trip.
    """

    def __init__(self, rate: int, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._interval = interval
        self._clock = clock
        self._cond = threading.Condition()
        self._ended: collections.deque[float] = collections.deque()
        self._in_flight = 0

    def __enter__(self) -> None:
        with self._cond:
            while True:
                now = self._clock()
                while self._ended and self._ended[0] <= now - self._interval:
                    self._ended.popleft()
                if self._in_flight + len(self._ended) < self._rate:
                    self._in_flight += 1
                    return
                wait = self._ended[0] + self._interval - now if self._ended else None
                self._cond.wait(wait)

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._in_flight -= 1
            self._ended.append(self._clock())
            self._cond.notify_all()


class EutilsClient:
    """``ecitmatch``, ``esearch`` and ``efetch`` against NCBI E-utilities (or a compatible server).

    ``stats`` counts ``requests`` (HTTP attempts), ``cache_hits``, ``http_429``, ``retries``,
    ``errors`` and ``failed`` (calls that raised). Safe to call from several threads at once.
    """

    name = "pubmed"

    def __init__(self, settings: Settings, session: requests.Session | None = None, *,
                 backoff: float = 0.5) -> None:
        self.settings = settings
        self.base_url = settings.pubmed_url.rstrip("/")
        self.limits = WITH_KEY if settings.ncbi_api_key else WITHOUT_KEY
        self._gate = RequestGate(self.limits, margin=_PACING_MARGIN)
        self._gate.update(self.limits)  # NCBI announces nothing: these are the limits
        self._window = _ArrivalWindow(self.limits.rate, self.limits.interval)
        self._backoff = backoff
        self._session = session or _new_session()
        self._owns_session = session is None
        self._cache = ResponseCache(Path(settings.cache_dir) / CACHE_FILE)
        self._lock = threading.Lock()
        self._refusal: PubMedUnavailable | None = None
        self.stats: dict[str, int] = dict.fromkeys(
            ("requests", "cache_hits", "http_429", "retries", "errors", "failed"), 0)

    @property
    def concurrency(self) -> int:
        return self.limits.concurrency

    # --- the three calls -----------------------------------------------------------------------
    def ecitmatch(self, citations: Mapping[str, Sequence[str]]) -> dict[str, str | None]:
        """PMIDs for citations ``{key: (journal, year, volume, first_page, author)}``: the PMID,
        or None where ECitMatch answers ``NOT_FOUND`` or ``AMBIGUOUS``. Many lines per request."""
        answers: dict[str, str | None] = {}
        wanted: dict[str, str] = {}  # key -> the citation line without its key
        for key, fields in citations.items():
            line = "|".join(_field(f) for f in (list(fields) + [""] * 5)[:5])
            cached = None if self.settings.refresh else self._cache.get(self._key("ecitmatch", line))
            if cached is not None and cached.status == 200:
                self._count("cache_hits")
                answers[key] = _pmid_or_none(cached.body.decode("utf-8", "replace"))
            else:
                wanted[key] = line
        keys = list(wanted)
        for start in range(0, len(keys), ECITMATCH_BATCH):
            batch = keys[start:start + ECITMATCH_BATCH]
            # Our own keys travel in the line (NCBI echoes them); numbers never clash with '|'.
            bdata = "\r".join(f"{wanted[k]}|{i}|" for i, k in enumerate(batch)) + "\r"
            body = self._call("ecitmatch.cgi", {"db": "pubmed", "retmode": "xml", "bdata": bdata},
                              decode=_ecitmatch_lines)
            for i, key in enumerate(batch):
                answer = body.get(str(i), "NOT_FOUND")
                self._cache.put(self._key("ecitmatch", wanted[key]),
                                CachedResponse(200, "text/plain", answer.encode("utf-8")))
                answers[key] = _pmid_or_none(answer)
        return answers

    def esearch(self, term: str, retmax: int = 20) -> list[str]:
        """PMIDs for a query with field tags (``"Ann Intern Med"[ta] AND 92[vi] AND 365[pg]``)."""
        term = " ".join(term.split())
        if not term:
            return []
        params = {"db": "pubmed", "term": term, "retmax": str(retmax)}
        key = self._key("esearch", f"{retmax}|{term}")
        cached = None if self.settings.refresh else self._cache.get(key)
        if cached is not None and cached.status == 200:
            try:
                ids = _esearch_ids(cached.body)
                self._count("cache_hits")
                return ids
            except ValueError:
                pass
        ids, body = self._call("esearch.fcgi", params, decode=lambda b: (_esearch_ids(b), b))
        self._cache.put(key, CachedResponse(200, "text/xml", body))
        return ids

    def efetch(self, pmids: Iterable[str]) -> list[Work]:
        """The PubMed records of ``pmids`` as Works, in the order asked (unknown ones left out)."""
        wanted = [p for p in dict.fromkeys(str(p).strip() for p in pmids) if p.isdigit()]
        records: dict[str, bytes | None] = {}
        missing = []
        for pmid in wanted:
            cached = None if self.settings.refresh else self._cache.get(self._key("efetch", pmid))
            if cached is not None and cached.status in (200, 404):
                self._count("cache_hits")
                records[pmid] = cached.body if cached.status == 200 else None
            else:
                missing.append(pmid)
        for start in range(0, len(missing), EFETCH_BATCH):
            batch = missing[start:start + EFETCH_BATCH]
            fetched = self._call("efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": ",".join(batch)},
                                 decode=_split_records)
            for pmid in batch:
                body = fetched.get(pmid)
                self._cache.put(self._key("efetch", pmid),
                                CachedResponse(200 if body else 404, "text/xml", body or b""))
                records[pmid] = body
        found = [records[p] for p in wanted if records.get(p)]
        if not found:
            return []
        return works_from_xml(_SET_HEAD + b"\n".join(found) + _SET_TAIL)  # type: ignore[arg-type]

    def summary(self) -> str:
        """One line for a run's end: ``pubmed: 12 requests, 40 from cache, 0 throttled (429) …``."""
        with self._lock:
            s = dict(self.stats)
        line = (f"pubmed: {s['requests']} requests, {s['cache_hits']} from cache, {s['http_429']} throttled "
                f"(429), {s['retries']} retries, {s['errors']} errors")
        if self._refusal is not None:
            line += f"; stopped: {self._refusal}"
        return line

    def close(self) -> None:
        if self._owns_session:
            self._session.close()
        self._cache.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one request: attempts, pacing, backoff ------------------------------------------------
    def _key(self, kind: str, what: str) -> str:
        # tool, email and api_key do not change the answer; the server does.
        return f"{self.base_url}|{kind}|{what.lower() if kind == 'ecitmatch' else what}"

    def _call(self, endpoint: str, params: dict[str, str], *, decode: Callable[[bytes], _T]) -> _T:
        try:
            return self._attempts(endpoint, params, decode)
        except PubMedError:
            self._count("failed")
            raise

    def _attempts(self, endpoint: str, params: dict[str, str], decode: Callable[[bytes], _T]) -> _T:
        if self.settings.offline:
            raise PubMedUnavailable("offline")
        if not getattr(self.settings, "pubmed", True):
            raise PubMedUnavailable("turned off (--no-pubmed)")
        params = {**params, "tool": TOOL}
        if self.settings.mailto:
            params["email"] = self.settings.mailto
        if self.settings.ncbi_api_key:
            params["api_key"] = self.settings.ncbi_api_key
        url = f"{self.base_url}/{endpoint}"
        reason = "no attempt made"
        for attempt in range(self.settings.max_retries + 1):
            if attempt:
                self._count("retries")
            self._check_refusal()
            try:
                response = self._send(url, params)
                answer = self._accept(response, decode)
            except _Retryable as err:
                reason = err.reason
                if attempt < self.settings.max_retries:
                    self._pause(attempt, err.wait)
                continue
            self._gate.succeeded()
            return answer
        attempts = self.settings.max_retries + 1
        raise PubMedError(f"PubMed {endpoint}: {reason} ({attempts} attempt{'s' if attempts > 1 else ''})")

    def _send(self, url: str, params: dict[str, str]) -> requests.Response:
        with self._gate.slot(), self._window:
            self._check_refusal()
            self._count("requests")
            try:
                return self._session.get(url, params=params, headers={"User-Agent": _user_agent()},
                                         timeout=(min(self.settings.timeout, _CONNECT_TIMEOUT),
                                                  self.settings.timeout))
            except requests.exceptions.ConnectionError as err:
                if _is_unreachable(err):
                    raise self._refuse(f"PubMed unreachable at {self.base_url}") from err
                self._count("errors")
                raise _Retryable("connection dropped") from err
            except requests.exceptions.RequestException as err:  # timeouts, bodies cut short
                self._count("errors")
                raise _Retryable(type(err).__name__) from err

    def _accept(self, response: requests.Response, decode: Callable[[bytes], _T]) -> _T:
        status = response.status_code
        if status == 429 or (status == 200 and _is_rate_limit_body(response.content)):
            self._count("http_429")
            wait = parse_retry_after(response.headers.get("retry-after"))
            # Everyone holds back (the gate pauses all threads and slows the pace).
            self._gate.throttled(min(wait, _MAX_WAIT) if wait is not None else max(self._backoff, 1.0))
            raise _Retryable("rate limited (HTTP 429)", wait=0.0)
        if status >= 500:
            self._count("errors")
            raise _Retryable(f"HTTP {status}", wait=parse_retry_after(response.headers.get("retry-after")))
        if status != 200:
            self._count("errors")
            raise PubMedError(f"PubMed: HTTP {status}: {response.text.strip()[:200]}", status=status)
        try:
            return decode(response.content)
        except ValueError as err:
            self._count("errors")
            raise _Retryable(f"invalid response body ({err})") from err

    def _pause(self, attempt: int, wait: float | None) -> None:
        if wait is None:
            delay = min(_MAX_BACKOFF, self._backoff * 2 ** attempt)
            wait = delay / 2 + random.uniform(0, delay / 2)
        if wait > 0:
            time.sleep(min(wait, _MAX_WAIT))

    def _count(self, name: str) -> None:
        with self._lock:
            self.stats[name] += 1

    def _refuse(self, reason: str) -> PubMedUnavailable:
        with self._lock:
            if self._refusal is None:
                self._refusal = PubMedUnavailable(reason)
            return self._refusal

    def _check_refusal(self) -> None:
        if self._refusal is not None:
            raise PubMedUnavailable(str(self._refusal))


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=16, max_retries=0)  # retries are ours
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _user_agent() -> str:
    return f"refkit/{__version__} (https://github.com/refkit/refkit)"


def _is_unreachable(err: requests.exceptions.ConnectionError) -> bool:
    cause = err.args[0] if err.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _field(value: object) -> str:
    """A value as ECitMatch reads it: no '|' (its separator), no line breaks, single spaces."""
    return " ".join(str(value or "").replace("|", " ").split())


def _pmid_or_none(answer: str) -> str | None:
    answer = answer.strip()
    return answer if answer.isdigit() else None  # NOT_FOUND, NOT_FOUND;INVALID_JOURNAL, AMBIGUOUS…


def _ecitmatch_lines(body: bytes) -> dict[str, str]:
    """{key: PMID or NCBI's word} from ECitMatch's echoed ``journal|year|volume|page|author|key|PMID``."""
    text = body.decode("utf-8")
    if text.lstrip().startswith("<"):
        raise ValueError("an HTML or XML page, not citation lines")
    answers = {}
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) >= 7:
            answers[parts[5].strip()] = parts[6].strip()
    return answers


def _esearch_ids(body: bytes) -> list[str]:
    root = _xml(body)
    if root.tag != "eSearchResult":
        raise ValueError(f"expected eSearchResult, got {root.tag}")
    error = root.findtext("ERROR")
    if error and root.find("IdList") is None:
        raise ValueError(error)
    return [(i.text or "").strip() for i in root.findall("IdList/Id") if (i.text or "").strip()]


def _split_records(body: bytes) -> dict[str, bytes]:
    """Each ``PubmedArticle`` of an efetch answer, by its PMID, as bytes to cache."""
    root = _xml(body)
    if root.tag != "PubmedArticleSet":
        raise ValueError(f"expected PubmedArticleSet, got {root.tag}")
    out = {}
    for article in root.findall("PubmedArticle"):
        pmid = (article.findtext("MedlineCitation/PMID") or "").strip()
        if pmid:
            out[pmid] = tostring(article, encoding="utf-8").split(b"?>", 1)[-1].strip()
    return out


def _xml(body: bytes) -> Element:
    """The parsed document; a body that is not XML is a ValueError (worth a retry)."""
    try:
        root: Element = fromstring(body)  # defusedxml is untyped: an ElementTree Element
        return root
    except (ParseError, DefusedXmlException) as err:
        raise ValueError(f"not XML: {err}") from err


def _is_rate_limit_body(body: bytes) -> bool:
    return body[:1] == b"{" and b"rate limit" in body[:200].lower()
