"""The Crossref REST API client: the only code in refkit that talks to the network.

It keeps to the limits Crossref announces in each response (requests per interval, requests in
flight), shared with every refkit process using the same cache directory; retries what is worth
retrying with exponential backoff and jitter (or the server's ``Retry-After``); gives up on a
server that keeps failing or does not answer; and stores every answer in a persistent cache so
that a second run asks nothing. All methods are safe to call from several threads at once.

What counts against the server is a *call that failed for good* (every attempt spent), never a
single failed attempt: with five attempts, a server failing 30% of attempts fails 0.24% of calls.
A 429 is pacing, not an error: everyone waits as told and the call is sent again.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlencode

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from refkit import __version__
from refkit.errors import SourceError, SourceUnavailable
from refkit.fileio import set_aside, sqlite_damaged
from refkit.messages import warn
from refkit.resolve.rate_limit import (
    PUBLIC_POOL,
    Limits,
    RequestGate,
    SharedGate,
    parse_limits,
    parse_retry_after,
)
from refkit.resolve.response_cache import CachedResponse, ResponseCache
from refkit.settings import Settings

CACHE_FILE = "crossref.sqlite"
GATE_FILE = "crossref-gate.sqlite"  # the pace every process using this cache directory shares
PROJECT_URL = "https://github.com/refkit/refkit"
# The longest pause between two attempts of one call. Backoff spreads the retries of many threads
# and spares a failing server; it is not what keeps us within the limits (the gate does that), so
# long pauses would only lengthen a run against a dead server: nine attempts take under 25 s.
_MAX_BACKOFF = 4.0
_MAX_WAIT = 60.0  # the longest one call waits on Retry-After (429s included) before failing for good
_CONNECT_TIMEOUTS_UNREACHABLE = 2  # this many connect timeouts in a row (no answer between): unreachable
_MAX_QUERY_CHARS = 2000  # a pasted reference is far shorter; this only guards against runaway input
_STATS = ("requests", "cache_hits", "stale_answers", "throttled_429", "retries", "faults", "timeouts",
          "rejected", "calls", "failures_for_good")


class CrossrefError(SourceError):
    """A request that failed for good (after any retries); ``reason`` says why in a few words."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason, status=status)
        self.reason = reason


class CrossrefUnavailable(CrossrefError, SourceUnavailable):
    """Crossref cannot be asked at all (unreachable, not answering, offline, or failing too often)."""


class _Retryable(Exception):
    """One attempt failed in a way a later attempt may not."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait  # the server's Retry-After, when it gave one


class CrossrefClient:
    """``search``, ``lookup`` and ``bibtex`` against the Crossref REST API (or a compatible server).

    The failure budget: Crossref is given up (:class:`CrossrefUnavailable` from then on) when
    ``failures_in_a_row`` calls in a row failed for good with no answer between, or when more than
    ``error_rate`` of the calls failed for good once ``error_minimum`` calls were made. Attempts
    that a retry recovered cost nothing.

    :meth:`stats` counts ``requests`` (HTTP attempts sent), ``cache_hits``, ``stale_answers``
    (expired cache entries served because Crossref could not be asked), ``throttled_429``,
    ``retries``, ``faults`` (attempts that failed: 5xx, timeouts, dropped or cut-short responses,
    invalid bodies), ``timeouts``, ``rejected`` (4xx other than 404 and 429), ``calls`` (calls that
    went to the network) and ``failures_for_good``.
    """

    name = "crossref"

    def __init__(self, settings: Settings, session: requests.Session | None = None, *,
                 backoff: float | None = None, error_rate: float = 0.10, error_minimum: int = 20,
                 failures_in_a_row: int = 3) -> None:
        self.settings = settings
        self.base_url = settings.api_url.rstrip("/")
        self.mailto = settings.mailto
        self.pool = "polite" if self.mailto else "public"  # updated from x-api-pool
        self._backoff = settings.retry_backoff if backoff is None else backoff
        self._error_rate = error_rate
        self._error_minimum = error_minimum
        self._failures_in_a_row = failures_in_a_row
        # A request given up on may still be running on the server: its slot stays taken for as
        # long again as we waited (the server's work is bounded by about what ours is).
        self._hold_after_timeout = settings.timeout
        self._gate = self._open_gate()
        self._session = session or _new_session()
        self._owns_session = session is None
        self._headers = {"User-Agent": _user_agent(self.mailto)}
        expire = settings.cache_days * 86400 if settings.cache_days > 0 else None
        self._cache = ResponseCache(Path(settings.cache_dir) / CACHE_FILE, expire_after=expire)
        self._lock = threading.Lock()
        self._refusal: CrossrefUnavailable | None = None
        self._connect_timeouts = 0
        self._answered = False  # the server has answered something this run
        self._silent = 0  # timeouts in a row, with no answer between
        self._failed_in_a_row = 0
        self._stats: dict[str, int] = dict.fromkeys(_STATS, 0)

    def _open_gate(self) -> RequestGate | SharedGate:
        """The shared gate in the cache directory; a damaged file is set aside once; a directory
        that cannot hold one leaves this process to pace itself alone (said once)."""
        if self.settings.offline:
            return RequestGate(PUBLIC_POOL)
        path = Path(self.settings.cache_dir) / GATE_FILE
        lease = 2 * self.settings.timeout + self._hold_after_timeout + 5
        # Until the first answer, the public pool's limits (one request at a time, 5/s) for
        # everyone: a guess above the server's real limits would earn 429s.
        for attempt in (1, 2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                return SharedGate(path, PUBLIC_POOL, name=f"{self.base_url} {self.pool}", lease=lease)
            except sqlite3.DatabaseError as err:
                if attempt == 1 and sqlite_damaged(err):
                    try:
                        kept = set_aside(path)
                    except OSError:
                        break
                    warn(f"request pacing file {path} damaged ({err}); kept as {kept.name}")
                    continue
                problem: Exception = err
                break
            except (OSError, sqlite3.Error) as err:
                problem = err
                break
        else:  # pragma: no cover - the loop always returns or breaks
            problem = RuntimeError("unreachable")
        warn(f"cannot share request pacing through {path} ({problem}); this run paces itself alone",
             once=True)
        return RequestGate(PUBLIC_POOL)

    # --- public API ----------------------------------------------------------------------------
    @property
    def concurrency(self) -> int:
        """Requests allowed in flight at once (as last announced): size a worker pool by this."""
        return self._gate.limits.concurrency

    @property
    def limits(self) -> Limits:
        """The :class:`~refkit.resolve.rate_limit.Limits` currently obeyed."""
        return self._gate.limits

    def search(self, query: str, rows: int = 5) -> list[dict[str, Any]]:
        """Works ranked by Crossref for a whole reference string (``query.bibliographic``)."""
        query = " ".join(query.split())[:_MAX_QUERY_CHARS]
        if not query:
            return []
        message = self._get("/works", {"query.bibliographic": query, "rows": str(rows)},
                            key=f"/works?{urlencode({'query.bibliographic': query, 'rows': rows})}",
                            decode=_message_of("work-list"))
        return cast(list[dict[str, Any]], message["items"])  # JSON: checked to be a list

    def lookup(self, doi: str) -> dict[str, Any] | None:
        """The work record for ``doi``, or None when Crossref does not know the DOI."""
        doi = _bare_doi(doi)
        if not doi:
            return None
        work = self._get(f"/works/{quote(doi, safe='')}", {}, key=f"/works/{doi.lower()}",
                         decode=_message_of("work"), none_on_404=True)
        return cast(dict[str, Any] | None, work)  # JSON: checked to be an object

    def bibtex(self, doi: str) -> str | None:
        """Crossref's BibTeX for ``doi``, or None when Crossref does not know the DOI."""
        doi = _bare_doi(doi)
        if not doi:
            return None
        text: str | None = self._get(f"/works/{quote(doi, safe='')}/transform/application/x-bibtex", {},
                                     key=f"/works/{doi.lower()}/transform/application/x-bibtex",
                                     decode=_bibtex_text, none_on_404=True, accept="application/x-bibtex")
        return text

    def stats(self) -> dict[str, int]:
        """The counters (see the class docstring), a copy."""
        with self._lock:
            return dict(self._stats)

    @property
    def refusal(self) -> str | None:
        """Why Crossref was given up this run, or None."""
        return self._refusal.reason if self._refusal is not None else None

    def summary(self) -> str:
        """One line for a run's end: ``crossref: 12 requests, 40 from cache, 0 throttled (429), …``."""
        stats = self.stats()
        line = (f"crossref: {stats['requests']} requests, {stats['cache_hits']} from cache, "
                f"{stats['throttled_429']} throttled (429), {stats['retries']} retries, "
                f"{stats['failures_for_good']} failed for good")
        if stats["stale_answers"]:
            line += f", {stats['stale_answers']} answered from an expired cache entry"
        if self._refusal is not None:
            line += f"; stopped: {self._refusal.reason}"
        return line

    def close(self) -> None:
        if self._owns_session:
            self._session.close()
        self._cache.close()
        if isinstance(self._gate, SharedGate):
            self._gate.close()

    def __enter__(self) -> CrossrefClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one call: cache, then attempts --------------------------------------------------------
    def _get(self, path: str, params: dict[str, str], *, key: str, decode: Callable[[bytes], Any],
             none_on_404: bool = False, accept: str = "application/json") -> Any:
        cache_key = self.base_url + key  # mailto is left out: it does not change the answer
        if not self.settings.refresh:
            cached = self._cache.get(cache_key)
            if cached is not None:
                answer = _from_cache(cached, decode, none_on_404)
                if answer is not _MISS:
                    self._count("cache_hits")
                    return answer
        try:
            return self._fetch(path, params, cache_key, decode, none_on_404, accept)
        except CrossrefError as err:
            if err.status is not None and 400 <= err.status < 500:
                raise  # the server answered: asking the same again gets the same
            # An expired answer is still an answer: better than none when Crossref cannot be asked.
            stale = self._cache.get(cache_key, stale=True)
            answer = _from_cache(stale, decode, none_on_404) if stale is not None else _MISS
            if answer is _MISS:
                raise
            self._count("stale_answers")
            return answer

    def _fetch(self, path: str, params: dict[str, str], cache_key: str, decode: Callable[[bytes], Any],
               none_on_404: bool, accept: str) -> Any:
        if self.settings.offline:
            raise CrossrefUnavailable("offline")
        self._check_refusal()
        url = self.base_url + path
        if self.mailto:
            params = {**params, "mailto": self.mailto}
        headers = {**self._headers, "Accept": accept}
        self._count("calls")
        attempt, waited = 0, 0.0
        while True:
            self._check_refusal()
            try:
                response = self._send(url, params, headers)
                if response.status_code == 429:  # pacing: the gate holds everyone back, no attempt spent
                    self._count("throttled_429")
                    wait = parse_retry_after(response.headers.get("retry-after"))
                    wait = min(wait if wait is not None else self._backoff * 2, _MAX_WAIT)
                    self._gate.throttled(wait)
                    waited += wait
                    if waited > _MAX_WAIT:
                        raise _Retryable("rate limited (HTTP 429) for over a minute")
                    self._count("retries")
                    continue
                if response.status_code == 404 and none_on_404:
                    self._stored(cache_key, response)
                    return None
                answer = self._accept(response, decode)
            except _Retryable as err:
                self._count("faults")
                if attempt >= self.settings.max_retries or waited > _MAX_WAIT:
                    attempts = attempt + 1
                    self._failed_for_good()
                    raise CrossrefError(f"{err.reason} ({attempts} attempt{'s' if attempts > 1 else ''})"
                                        ) from None
                attempt += 1
                self._count("retries")
                self._pause_before_retry(attempt - 1, err.wait)
                continue
            except CrossrefUnavailable:
                raise
            except CrossrefError:
                self._succeeded()  # a 4xx is the server working: the budget is about failures
                raise
            self._stored(cache_key, response)
            return answer

    def _stored(self, cache_key: str, response: requests.Response) -> None:
        self._cache.put(cache_key, CachedResponse(response.status_code, _content_type(response),
                                                  response.content))
        self._gate.succeeded()
        self._succeeded()

    def _send(self, url: str, params: dict[str, str], headers: dict[str, str]) -> requests.Response:
        """One attempt through the gate; transport failures become :class:`_Retryable`, or a refusal."""
        # Never wait longer for a connection than for an answer.
        timeout = (min(self.settings.connect_timeout, self.settings.timeout), self.settings.timeout)
        with self._gate.slot() as slot:
            self._check_refusal()
            self._count("requests")
            try:
                response = self._session.get(url, params=params, headers=headers, timeout=timeout)
            except requests.exceptions.ConnectTimeout as err:
                with self._lock:
                    self._connect_timeouts += 1
                    unreachable = self._connect_timeouts >= _CONNECT_TIMEOUTS_UNREACHABLE
                if unreachable:
                    why = f"Crossref unreachable at {self.base_url} (connection timed out)"
                    raise self._refuse(why) from err
                raise _Retryable("connection timed out") from err
            except requests.exceptions.Timeout as err:
                slot.hold(self._hold_after_timeout)  # the server may still be working on it
                self._count("timeouts")
                self._timed_out()
                raise _Retryable(f"no answer in {self.settings.timeout:g} s") from err
            except requests.exceptions.ConnectionError as err:
                if _is_unreachable(err):
                    raise self._refuse(f"Crossref unreachable at {self.base_url}") from err
                if _is_read_timeout(err):  # a body that stopped arriving
                    slot.hold(self._hold_after_timeout)
                    self._count("timeouts")
                    self._timed_out()
                    raise _Retryable(f"no answer in {self.settings.timeout:g} s") from err
                self._heard()
                raise _Retryable("connection dropped") from err
            except requests.exceptions.RequestException as err:  # truncated or undecodable body
                self._heard()
                raise _Retryable("response cut short") from err
        self._heard()
        self._gate.update(parse_limits(response.headers, self._gate.limits))
        self.pool = response.headers.get("x-api-pool", self.pool)
        return response

    def _accept(self, response: requests.Response, decode: Callable[[bytes], Any]) -> Any:
        """The decoded answer of a 200, or the error a non-200 stands for."""
        status = response.status_code
        if status == 200:
            try:
                return decode(response.content)
            except ValueError as err:
                raise _Retryable("invalid response body") from err
        if status >= 500:
            raise _Retryable(f"HTTP {status}", wait=parse_retry_after(response.headers.get("retry-after")))
        self._count("rejected")
        raise CrossrefError(f"HTTP {status}: {_server_message(response)}", status=status)

    def _pause_before_retry(self, attempt: int, wait: float | None) -> None:
        if wait is None:
            delay = min(_MAX_BACKOFF, self._backoff * 2 ** attempt)
            wait = delay / 2 + random.uniform(0, delay / 2)  # jitter: retries of many threads spread out
        if wait > 0:
            time.sleep(min(wait, _MAX_WAIT))

    # --- bookkeeping ---------------------------------------------------------------------------
    def _count(self, name: str) -> None:
        with self._lock:
            self._stats[name] += 1

    def _heard(self) -> None:
        """The server answered (even with an error): it is there."""
        with self._lock:
            self._answered = True
            self._silent = 0
            self._connect_timeouts = 0

    def _timed_out(self) -> None:
        """A request got no answer in time. Before any answer this run, the first one was the probe:
        a server that does not answer it is not fanned out to. Later, some timeouts in a row (with no
        answer between, across threads) mean it has stopped answering."""
        with self._lock:
            self._silent += 1
            answered, silent = self._answered, self._silent
        wait = f"{self.settings.timeout:g} s"
        if not answered:
            raise self._refuse(f"Crossref is not answering at {self.base_url} (no answer in {wait})")
        if silent >= self._failures_in_a_row:
            raise self._refuse(f"Crossref is not answering at {self.base_url} "
                               f"({silent} requests in a row got no answer in {wait})")

    def _succeeded(self) -> None:
        with self._lock:
            self._failed_in_a_row = 0

    def _failed_for_good(self) -> None:
        """A call spent every attempt: count it, and give Crossref up when past the budget."""
        with self._lock:
            self._stats["failures_for_good"] += 1
            self._failed_in_a_row += 1
            failed, calls = self._stats["failures_for_good"], self._stats["calls"]
            in_a_row = self._failed_in_a_row
        if in_a_row >= self._failures_in_a_row:
            raise self._refuse(f"Crossref is failing: {in_a_row} requests in a row failed after every retry")
        if calls >= self._error_minimum and failed > self._error_rate * calls:
            raise self._refuse(f"too many errors from Crossref ({failed} of {calls} requests failed "
                               "after every retry)")

    def _refuse(self, reason: str) -> CrossrefUnavailable:
        with self._lock:
            if self._refusal is None:
                self._refusal = CrossrefUnavailable(reason)
            return self._refusal

    def _check_refusal(self) -> None:
        if self._refusal is not None:
            raise CrossrefUnavailable(self._refusal.reason)


def _from_cache(cached: CachedResponse, decode: Callable[[bytes], Any], none_on_404: bool) -> Any:
    if cached.status == 404 and none_on_404:
        return None
    if cached.status == 200:
        try:
            return decode(cached.body)
        except ValueError:
            pass
    return _MISS


_MISS = object()


def _new_session() -> requests.Session:
    session = requests.Session()
    # Retries are ours (they must respect the limits); the pool holds as many connections as
    # the largest concurrency we would ever accept.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _user_agent(mailto: str | None) -> str:
    contact = f"{PROJECT_URL}; mailto:{mailto}" if mailto else PROJECT_URL
    return f"refkit/{__version__} ({contact})"


_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


def _bare_doi(doi: str) -> str:
    doi = doi.strip()
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            return doi[len(prefix):].strip()
    return doi


def _is_unreachable(err: requests.exceptions.ConnectionError) -> bool:
    """Connection refused or the name did not resolve (as opposed to a connection dropped midway)."""
    cause = err.args[0] if err.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)  # includes NameResolutionError


def _is_read_timeout(err: requests.exceptions.ConnectionError) -> bool:
    """requests reports a read that timed out while streaming the body as a ConnectionError."""
    cause = err.args[0] if err.args else None
    return isinstance(cause, urllib3.exceptions.ReadTimeoutError)


def _content_type(response: requests.Response) -> str:
    return response.headers.get("content-type", "")


def _message_of(message_type: str) -> Callable[[bytes], Any]:
    """A decoder for a JSON envelope of ``message_type``; ValueError for anything else."""

    def decode(body: bytes) -> Any:
        envelope = json.loads(body)  # JSONDecodeError is a ValueError
        if not isinstance(envelope, dict) or envelope.get("status") != "ok":
            raise ValueError("not an ok envelope")
        message = envelope.get("message")
        if envelope.get("message-type") != message_type or not isinstance(message, dict):
            raise ValueError(f"expected a {message_type} message")
        if message_type == "work-list" and not isinstance(message.get("items"), list):
            raise ValueError("work-list without items")
        return message

    return decode


def _bibtex_text(body: bytes) -> str:
    text = body.decode("utf-8").strip()  # UnicodeDecodeError is a ValueError
    if not text.startswith("@"):
        raise ValueError("not BibTeX")
    return text


def _server_message(response: requests.Response) -> str:
    """The server's own words: the validation-failure messages, else the start of the body."""
    try:
        envelope = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason or "no message"
    message = envelope.get("message") if isinstance(envelope, dict) else None
    if isinstance(message, list):
        parts = [str(m.get("message") or m.get("type")) for m in message if isinstance(m, dict)]
        if parts:
            return "; ".join(parts)
    if isinstance(message, str):
        return message
    return json.dumps(envelope)[:200]
