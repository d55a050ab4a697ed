"""The Crossref REST API client: the only code in refkit that talks to the network.

It keeps to the limits Crossref announces in each response (requests per interval, requests in
flight), retries what is worth retrying with exponential backoff and jitter, gives up on a
server that keeps failing, and stores every answer in a persistent cache so that a second run
asks nothing. All methods are safe to call from several threads at once.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from refkit import __version__
from refkit.resolve.rate_limit import (
    POLITE_POOL,
    PUBLIC_POOL,
    Limits,
    RequestGate,
    parse_limits,
    parse_retry_after,
)
from refkit.resolve.response_cache import CachedResponse, ResponseCache
from refkit.settings import Settings

CACHE_FILE = "crossref.sqlite"
PROJECT_URL = "https://github.com/refkit/refkit"
_MAX_BACKOFF = 30.0
_MAX_WAIT = 60.0  # the longest Retry-After obeyed; beyond it the error budget decides
_CONNECT_TIMEOUT = 10.0  # a healthy server accepts in milliseconds; waiting longer only delays "unreachable"
_CONNECT_TIMEOUTS_UNREACHABLE = 2  # this many connect timeouts in a row (no answer between): unreachable
_MAX_QUERY_CHARS = 2000  # a pasted reference is far shorter; this only guards against runaway input


class CrossrefError(Exception):
    """A request that failed for good (after any retries); ``reason`` says why in a few words."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class CrossrefUnavailable(CrossrefError):
    """Crossref cannot be asked at all (unreachable, offline, or failing too often): stop asking."""


class _Retryable(Exception):
    """One attempt failed in a way a later attempt may not."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait  # the server's Retry-After, when it gave one


class CrossrefClient:
    """``search``, ``lookup`` and ``bibtex`` against the Crossref REST API (or a compatible server).

    ``stats`` counts ``requests`` (HTTP attempts sent), ``cache_hits``, ``http_429``, ``retries``,
    ``errors`` (4xx other than 404, 5xx, timeouts, dropped connections, invalid bodies) and
    ``failed`` (calls that raised).
    """

    name = "crossref"

    def __init__(self, settings: Settings, session: requests.Session | None = None, *,
                 backoff: float = 0.5, error_rate: float = 0.10, error_minimum: int = 20) -> None:
        self.settings = settings
        self.base_url = settings.api_url.rstrip("/")
        self.mailto = settings.mailto
        self.pool = "polite" if self.mailto else "public"  # updated from x-api-pool
        self._backoff = backoff
        self._error_rate = error_rate
        self._error_minimum = error_minimum
        self._gate = RequestGate(POLITE_POOL if self.mailto else PUBLIC_POOL)
        self._session = session or _new_session()
        self._owns_session = session is None
        self._headers = {"User-Agent": _user_agent(self.mailto)}
        self._cache = ResponseCache(Path(settings.cache_dir) / CACHE_FILE)
        self._lock = threading.Lock()
        self._refusal: CrossrefUnavailable | None = None
        self._connect_timeouts = 0
        self.stats: dict[str, int] = dict.fromkeys(
            ("requests", "cache_hits", "http_429", "retries", "errors", "failed"), 0)

    # --- public API ----------------------------------------------------------------------------
    @property
    def concurrency(self) -> int:
        """Requests allowed in flight at once (as last announced): size a worker pool by this."""
        return self._gate.limits.concurrency

    @property
    def limits(self) -> Limits:
        """The :class:`~refkit.resolve.rate_limit.Limits` currently obeyed."""
        return self._gate.limits

    def search(self, query: str, rows: int = 5) -> list[dict]:
        """Works ranked by Crossref for a whole reference string (``query.bibliographic``)."""
        query = " ".join(query.split())[:_MAX_QUERY_CHARS]
        if not query:
            return []
        message = self._get("/works", {"query.bibliographic": query, "rows": str(rows)},
                            key=f"/works?{urlencode({'query.bibliographic': query, 'rows': rows})}",
                            decode=_message_of("work-list"))
        return message["items"]

    def lookup(self, doi: str) -> dict | None:
        """The work record for ``doi``, or None when Crossref does not know the DOI."""
        doi = _bare_doi(doi)
        if not doi:
            return None
        return self._get(f"/works/{quote(doi, safe='')}", {}, key=f"/works/{doi.lower()}",
                         decode=_message_of("work"), none_on_404=True)

    def bibtex(self, doi: str) -> str | None:
        """Crossref's BibTeX for ``doi``, or None when Crossref does not know the DOI."""
        doi = _bare_doi(doi)
        if not doi:
            return None
        return self._get(f"/works/{quote(doi, safe='')}/transform/application/x-bibtex", {},
                         key=f"/works/{doi.lower()}/transform/application/x-bibtex",
                         decode=_bibtex_text, none_on_404=True, accept="application/x-bibtex")

    def summary(self) -> str:
        """One line for a run's end, e.g. ``crossref: 12 requests, 40 from cache, 0 throttled (429)``."""
        with self._lock:
            stats = dict(self.stats)
        line = (f"crossref: {stats['requests']} requests, {stats['cache_hits']} from cache, "
                f"{stats['http_429']} throttled (429), {stats['retries']} retries, {stats['errors']} errors")
        if self._refusal is not None:
            line += f"; stopped: {self._refusal.reason}"
        return line

    def close(self) -> None:
        if self._owns_session:
            self._session.close()
        self._cache.close()

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
                answer = self._from_cache(cached, decode, none_on_404)
                if answer is not _MISS:
                    self._count("cache_hits")
                    return answer
        try:
            return self._fetch(path, params, cache_key, decode, none_on_404, accept)
        except CrossrefError:
            self._count("failed")
            raise

    @staticmethod
    def _from_cache(cached: CachedResponse, decode, none_on_404: bool) -> Any:
        if cached.status == 404 and none_on_404:
            return None
        if cached.status == 200:
            try:
                return decode(cached.body)
            except ValueError:
                pass
        return _MISS

    def _fetch(self, path, params, cache_key, decode, none_on_404, accept) -> Any:
        if self.settings.offline:
            raise CrossrefUnavailable("offline")
        url = self.base_url + path
        if self.mailto:
            params = {**params, "mailto": self.mailto}
        headers = {**self._headers, "Accept": accept}
        reason = "no attempt made"
        for attempt in range(self.settings.max_retries + 1):
            if attempt:
                self._count("retries")
            self._check_refusal()
            try:
                response = self._send(url, params, headers)
                if response.status_code == 404 and none_on_404:
                    self._cache.put(cache_key, CachedResponse(404, _content_type(response), response.content))
                    self._gate.succeeded()
                    return None
                answer = self._accept(response, decode)
            except _Retryable as err:
                reason = err.reason
                if attempt < self.settings.max_retries:
                    self._pause_before_retry(attempt, err.wait)
                continue
            self._cache.put(cache_key, CachedResponse(200, _content_type(response), response.content))
            self._gate.succeeded()
            return answer
        attempts = self.settings.max_retries + 1
        raise CrossrefError(f"{reason} ({attempts} attempt{'s' if attempts > 1 else ''})")

    def _send(self, url: str, params: dict[str, str], headers: dict[str, str]) -> requests.Response:
        try:
            with self._gate.slot():
                self._check_refusal()
                self._count("requests")
                try:
                    response = self._session.get(url, params=params, headers=headers, timeout=(
                        min(self.settings.timeout, _CONNECT_TIMEOUT), self.settings.timeout))
                except requests.exceptions.ConnectTimeout as err:
                    with self._lock:
                        self._connect_timeouts += 1
                        unreachable = self._connect_timeouts >= _CONNECT_TIMEOUTS_UNREACHABLE
                    if unreachable:
                        why = f"Crossref unreachable at {self.base_url} (connection timed out)"
                        raise self._refuse(why) from err
                    self._count("errors")
                    raise _Retryable("connection timed out") from err
                except requests.exceptions.Timeout as err:
                    self._count("errors")
                    raise _Retryable("timed out") from err
                except requests.exceptions.ConnectionError as err:
                    if _is_unreachable(err):
                        raise self._refuse(f"Crossref unreachable at {self.base_url}") from err
                    self._count("errors")
                    raise _Retryable("connection dropped") from err
                except requests.exceptions.RequestException as err:  # truncated or undecodable body
                    self._count("errors")
                    raise _Retryable("response cut short") from err
            with self._lock:
                self._connect_timeouts = 0
            self._gate.update(parse_limits(response.headers, self._gate.limits))
            self.pool = response.headers.get("x-api-pool", self.pool)
            if response.status_code >= 400 and response.status_code != 404:
                self._count("errors")
            return response
        finally:
            self._check_error_budget()

    def _accept(self, response: requests.Response, decode: Callable[[bytes], Any]) -> Any:
        """The decoded answer of a 200, or the error a non-200 stands for."""
        status = response.status_code
        if status == 200:
            try:
                return decode(response.content)
            except ValueError as err:
                self._count("errors")
                self._check_error_budget()
                raise _Retryable("invalid response body") from err
        if status == 429:
            self._count("http_429")
            wait = parse_retry_after(response.headers.get("retry-after"))
            self._gate.throttled(min(wait, _MAX_WAIT) if wait is not None else self._backoff)
            raise _Retryable("rate limited (HTTP 429)", wait=0.0)  # the gate already holds everyone back
        if status >= 500:
            raise _Retryable(f"HTTP {status}", wait=parse_retry_after(response.headers.get("retry-after")))
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
            self.stats[name] += 1

    def _check_error_budget(self) -> None:
        """Past the error budget (a share of all requests, once there are enough), refuse from now on."""
        with self._lock:
            errors, total = self.stats["errors"], self.stats["requests"]
        if self._refusal is None and total >= self._error_minimum and errors > self._error_rate * total:
            raise self._refuse(f"too many errors from Crossref ({errors} of {total} requests)")

    def _refuse(self, reason: str) -> CrossrefUnavailable:
        with self._lock:
            if self._refusal is None:
                self._refusal = CrossrefUnavailable(reason)
            return self._refusal

    def _check_refusal(self) -> None:
        if self._refusal is not None:
            raise CrossrefUnavailable(self._refusal.reason)


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
