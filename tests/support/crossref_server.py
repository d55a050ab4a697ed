"""A Crossref-compatible REST server over a list of Crossref-format work records, on loopback.

Tests, benchmarks and the scoring scripts run the real client against it. It answers like
api.crossref.org does (envelopes, content types, 404 and 400 bodies, limit headers), ranks
``query.bibliographic`` searches with BM25 over the bibliographic fields, *enforces* the limits it
announces (429 when a client starts too many requests per interval or has too many in flight),
and can be told to misbehave: queued :class:`Fault` s one by one, or at random rates (``error_rate``
of the admitted requests answered 5xx, ``truncate_rate`` cut short), never answering at all
(``hang``), and working on after a client gave up (``keep_working``), as a real backend does.

Run one by hand::

    python -m support.crossref_server tests/data/corpus/catalog.jsonl --port 8080
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import gzip
import hashlib
import heapq
import json
import math
import re
import select
import socket
import struct
import sys
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

JSON_TYPE = "application/json;charset=utf-8"
_MAX_ROWS = 1000
_SEARCH_PARAMS = {"query", "query.bibliographic", "query.title", "query.author", "query.container-title"}
_WORKS_PARAMS = _SEARCH_PARAMS | {"rows", "offset", "mailto"}


# --- faults ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fault:
    """One misbehaviour, applied to the next admitted request (faults are used up in order).

    Build them with the class methods: ``Fault.status(503)``, ``Fault.throttle(retry_after=1)``,
    ``Fault.slow(2.0)``, ``Fault.truncated()``, ``Fault.bad_json()``, ``Fault.dropped()``,
    ``Fault.reset()``, ``Fault.garbage_headers()``, ``Fault.hang()``.
    """

    kind: str
    code: int = 503
    seconds: float | None = None

    @classmethod
    def status(cls, code: int = 503, retry_after: float | None = None) -> Fault:
        """Answer with this HTTP status (a JSON error body), with ``Retry-After`` if given."""
        return cls("status", code=code, seconds=retry_after)

    @classmethod
    def throttle(cls, retry_after: float | None = None) -> Fault:
        """A 429 as Crossref sends it when a client is over its limit."""
        return cls("status", code=429, seconds=retry_after)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait ``seconds`` before answering normally (beyond a client's timeout, it gives up)."""
        return cls("slow", seconds=seconds)

    @classmethod
    def truncated(cls) -> Fault:
        """Announce the full Content-Length, send half the body, close the connection."""
        return cls("truncated")

    @classmethod
    def bad_json(cls) -> Fault:
        """A complete 200 response whose JSON body is cut in the middle."""
        return cls("bad-json")

    @classmethod
    def dropped(cls) -> Fault:
        """Close the connection without answering."""
        return cls("dropped")

    @classmethod
    def reset(cls) -> Fault:
        """Reset the connection (TCP RST) without answering."""
        return cls("reset")

    @classmethod
    def hang(cls) -> Fault:
        """Accept the request and never answer (until the client hangs up)."""
        return cls("hang")

    @classmethod
    def garbage_headers(cls) -> Fault:
        """Answer normally, but with unreadable limit headers."""
        return cls("garbage-headers")


@dataclass
class RequestRecord:
    """What one request asked, when it arrived (``time.monotonic()``), and what it was answered
    (status 0: no answer sent)."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float = 0.0
    status: int = 0
    fault: str | None = None
    over: str | None = None  # "rate" / "concurrency": answered 429 for going over that limit


# --- search ------------------------------------------------------------------------------------
_TAG = re.compile(r"<[^>]+>")
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-case, accent-folded word and number tokens (markup such as ``<i>`` removed)."""
    text = unicodedata.normalize("NFKD", _TAG.sub(" ", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _TOKEN.findall(text)


def _first(value) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _year(record: dict) -> str:
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = (record.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            return str(parts[0][0])
    return ""


def bibliographic_text(record: dict) -> str:
    """The fields a bibliographic query is matched against, as one string."""
    fields: list[str] = []
    for key in ("title", "subtitle", "container-title", "short-container-title"):
        fields.extend(str(v) for v in record.get(key) or [])
    for author in record.get("author") or []:
        fields.append(str(author.get("family") or author.get("name") or ""))
    fields.append(_year(record))
    for key in ("volume", "issue", "page", "article-number"):
        fields.append(str(record.get(key) or ""))
    return " ".join(fields)


class WorkIndex:
    """BM25 over :func:`bibliographic_text`, built once; lookups by DOI ignore case."""

    K1 = 1.2
    B = 0.75

    def __init__(self, records: Iterable[dict]) -> None:
        self.records = [r for r in records if isinstance(r, dict) and r.get("DOI")]
        self.by_doi = {r["DOI"].lower(): r for r in self.records}
        term_freqs = [collections.Counter(tokens(bibliographic_text(r))) for r in self.records]
        lengths = [sum(tf.values()) for tf in term_freqs]
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        postings: dict[str, list[tuple[int, float]]] = collections.defaultdict(list)
        for doc, tf in enumerate(term_freqs):
            norm = self.K1 * (1 - self.B + self.B * lengths[doc] / average)
            for term, count in tf.items():
                postings[term].append((doc, count * (self.K1 + 1) / (count + norm)))
        n = len(self.records)
        self._postings = {
            term: (math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5)), plist)
            for term, plist in postings.items()
        }

    def search(self, query: str, rows: int, offset: int = 0) -> tuple[int, list[tuple[float, dict]]]:
        """(number of works matching any term, the ``rows`` best from ``offset`` with their scores)."""
        scores: dict[int, float] = {}
        for term in set(tokens(query)):
            entry = self._postings.get(term)
            if entry is None:
                continue
            idf, plist = entry
            for doc, weight in plist:
                scores[doc] = scores.get(doc, 0.0) + idf * weight
        best = heapq.nsmallest(offset + rows, scores.items(), key=lambda item: (-item[1], item[0]))
        ranked = best[offset:]
        return len(scores), [(round(score, 3), self.records[doc]) for doc, score in ranked]

    def get(self, doi: str) -> dict | None:
        return self.by_doi.get(doi.strip().lower())


def bibtex_of(record: dict) -> str:
    """A BibTeX entry in the style of Crossref's ``transform/application/x-bibtex``."""
    kind = {"journal-article": "article", "book": "book", "book-chapter": "inbook",
            "proceedings-article": "inproceedings"}.get(record.get("type", ""), "misc")
    authors = record.get("author") or []
    first = authors[0].get("family", "Anonymous") if authors else "Anonymous"
    year = _year(record)
    ascii_name = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    key = re.sub(r"\W+", "", ascii_name) or "Anon"
    fields = [("title", _TAG.sub("", _first(record.get("title"))))]
    if record.get("volume"):
        fields.append(("volume", record["volume"]))
    fields += [("url", f"http://dx.doi.org/{record['DOI']}"), ("DOI", record["DOI"])]
    if record.get("issue"):
        fields.append(("number", record["issue"]))
    if record.get("container-title"):
        fields.append(("journal", _first(record["container-title"])))
    if record.get("publisher"):
        fields.append(("publisher", record["publisher"]))
    names = [" ".join(filter(None, [a.get("family"), a.get("given")])).replace(" ", ", ", 1)
             if a.get("given") else (a.get("family") or a.get("name") or "") for a in authors]
    if names:
        fields.append(("author", " and ".join(names)))
    if year:
        fields.append(("year", year))
    if record.get("page"):
        fields.append(("pages", str(record["page"]).replace("-", "\u2013")))
    body = ", ".join(f"{name}={{{value}}}" for name, value in fields)
    return f" @{kind}{{{key}_{year}, {body} }}\n"


# --- limits ------------------------------------------------------------------------------------
def interval_seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"bad interval {text!r} (use e.g. 1s, 500ms, 1m)")
    return float(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2)]


# --- the server --------------------------------------------------------------------------------
class CrossrefServer:
    """A loopback Crossref API over ``records``. Use as a context manager; ``url`` is its base URL.

    ``rate_limit`` is ``(requests, interval)`` like ``(10, "1s")`` and ``concurrency`` the requests
    allowed in flight; both are announced in every response and enforced (429), or neither when
    None. ``latency`` delays every admitted answer. Counters: ``requests``, ``throttled`` (429s
    sent for going over a limit), ``faults_sent``, ``max_in_flight`` and ``max_per_interval``
    (the most requests a client had in flight / started within one interval, over-limit ones
    included); ``log`` holds a :class:`RequestRecord` per request; :meth:`throttled_after` counts
    the over-limit 429s sent after a run's first seconds.

    Random faults (``error_rate``, ``truncate_rate``; drawn from ``seed``) hit admitted requests
    that no queued fault took: a 500, 502 or 503, or a body cut in half. ``hang``: every admitted
    request is accepted and never answered. ``keep_working``: a request whose client hung up
    before its answer was ready keeps its slot until then (a real server's backend does not notice
    that the client left); otherwise it leaves at once.
    """

    def __init__(self, records: Iterable[dict], *, latency: float = 0.0,
                 rate_limit: tuple[int, str] | None = (10, "1s"), concurrency: int | None = 3,
                 faults: Iterable[Fault] | None = None, host: str = "127.0.0.1", port: int = 0,
                 index: WorkIndex | None = None, error_rate: float = 0.0, truncate_rate: float = 0.0,
                 hang: bool = False, keep_working: bool = False, seed: int = 0) -> None:
        self.index = index or WorkIndex(records)
        self.latency = latency
        self.error_rate = error_rate
        self.truncate_rate = truncate_rate
        self.hang = hang
        self.keep_working = keep_working
        self.seed = seed
        self._asked: collections.Counter[str] = collections.Counter()  # admitted requests per key
        self.rate_limit = rate_limit
        self._interval = interval_seconds(rate_limit[1]) if rate_limit else None
        self.concurrency = concurrency
        self._faults: collections.deque[Fault] = collections.deque(faults or ())
        self._lock = threading.Lock()
        self._arrivals: collections.deque[float] = collections.deque()
        self._in_flight = 0
        self._connections: set[socket.socket] = set()
        self._stopping = False
        self.reset_counters()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.app = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def reset_counters(self) -> None:
        with self._lock:
            self.requests = 0
            self.throttled = 0
            self.faults_sent = 0
            self.max_in_flight = 0
            self.max_per_interval = 0
            self.log: list[RequestRecord] = []

    def inject(self, *faults: Fault) -> None:
        """Queue faults for the next admitted requests, one each, in order."""
        with self._lock:
            self._faults.extend(faults)

    def throttled_after(self, seconds: float) -> int:
        """Over-limit 429s sent more than ``seconds`` after the first request arrived."""
        with self._lock:
            if not self.log:
                return 0
            start = self.log[0].at
            return sum(1 for r in self.log if r.over and r.at - start > seconds)

    def _random_fault(self, record: RequestRecord) -> Fault | None:
        """A fault drawn at the configured rates (caller holds the lock).

        The draw depends on the seed, the request (path and parameters but ``mailto``) and how many
        times it was admitted before, never on arrival order: threads that interleave differently
        meet the same faults, so a run is reproducible.
        """
        if self.hang:
            return Fault.hang()
        if not (self.error_rate or self.truncate_rate):
            return None
        key = json.dumps([record.path, sorted((k, v) for k, v in record.params.items() if k != "mailto")])
        nth = self._asked[key]
        self._asked[key] += 1
        digest = hashlib.blake2b(f"{self.seed}\0{nth}\0{key}".encode(), digest_size=8).digest()
        draw = int.from_bytes(digest, "big") / 2**64
        if draw < self.error_rate:
            return Fault.status((500, 502, 503)[nth % 3])
        if draw < self.error_rate + self.truncate_rate:
            return Fault.truncated()
        return None

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def start(self) -> CrossrefServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="crossref-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True  # hanging requests give up
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # wake handler threads parked on idle keep-alive connections
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> CrossrefServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- request accounting (called by the handler) ----------------------------------------------
    def _arrive(self, record: RequestRecord) -> tuple[str | None, Fault | None]:
        """Count an arriving request; returns (why it is over a limit, or None; its fault, if any)."""
        now = record.at = time.monotonic()
        with self._lock:
            self.requests += 1
            self.log.append(record)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            over = None
            if self._interval is not None:
                while self._arrivals and self._arrivals[0] <= now - self._interval:
                    self._arrivals.popleft()
                self._arrivals.append(now)
                self.max_per_interval = max(self.max_per_interval, len(self._arrivals))
                if len(self._arrivals) > self.rate_limit[0]:
                    over = "rate"
            if self.concurrency is not None and self._in_flight > self.concurrency:
                over = "concurrency"
            if over:
                self.throttled += 1
                record.over = over
                return over, None
            fault = self._faults.popleft() if self._faults else self._random_fault(record)
            if fault:
                self.faults_sent += 1
            return None, fault

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def limit_headers(self, params: dict[str, str]) -> dict[str, str]:
        headers = {"x-api-pool": "polite" if params.get("mailto") else "public"}
        if self.rate_limit:
            headers["x-rate-limit-limit"] = str(self.rate_limit[0])
            headers["x-rate-limit-interval"] = self.rate_limit[1]
        if self.concurrency is not None:
            headers["x-concurrency-limit"] = str(self.concurrency)
        return headers

    # --- routes ---------------------------------------------------------------------------------
    def route(self, path: str, params: dict[str, str], accept: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET."""
        path = unquote(path)
        if path.startswith("/v1/"):
            path = path[3:]
        if path in ("/works", "/works/"):
            return self._works(params)
        if path.startswith("/works/"):
            unknown = sorted(set(params) - {"mailto"})
            if unknown:
                return _validation_failure(unknown[0])
            doi = path[len("/works/"):]
            want_bibtex = False
            for suffix in ("/transform/application/x-bibtex", "/transform"):
                if doi.endswith(suffix):
                    doi = doi[: -len(suffix)]
                    want_bibtex = suffix != "/transform" or "x-bibtex" in accept
                    break
            record = self.index.get(doi)
            if record is None:
                return 404, "text/plain", b"Resource not found."
            if want_bibtex:
                return 200, "application/x-bibtex", bibtex_of(record).encode()
            message = {**copy.deepcopy(record), "score": 1}
            return 200, JSON_TYPE, _envelope("work", message)
        return 404, "text/plain", b"Resource not found."

    def _works(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        unknown = sorted(set(params) - _WORKS_PARAMS)
        if unknown:
            return _validation_failure(unknown[0])
        numbers = {}
        for name, default in (("rows", 20), ("offset", 0)):
            value = params.get(name, str(default))
            if not value.isdigit() or int(value) > (_MAX_ROWS if name == "rows" else 10_000):
                return 400, JSON_TYPE, json.dumps({
                    "status": "failed", "message-type": "validation-failure",
                    "message": [{"type": "integer-not-valid", "value": value,
                                 "message": f"Integer specified as {value} but must be a positive integer "
                                            f"less than or equal to {_MAX_ROWS}."}]}).encode()
            numbers[name] = int(value)
        query = " ".join(params[name] for name in sorted(_SEARCH_PARAMS) if params.get(name))
        total, ranked = self.index.search(query, numbers["rows"], numbers["offset"]) if query else (0, [])
        if not query:  # no query: Crossref lists works; the first ones will do
            total = len(self.index.records)
            start = numbers["offset"]
            ranked = [(1.0, r) for r in self.index.records[start:start + numbers["rows"]]]
        items = [{**copy.deepcopy(record), "score": score} for score, record in ranked]
        message = {"facets": {}, "total-results": total, "items": items,
                   "items-per-page": numbers["rows"],
                   "query": {"start-index": numbers["offset"], "search-terms": query or None}}
        return 200, JSON_TYPE, _envelope("work-list", message)


def _envelope(message_type: str, message: dict) -> bytes:
    return json.dumps({"status": "ok", "message-type": message_type, "message-version": "1.0.0",
                       "message": message}, ensure_ascii=False).encode("utf-8")


def _validation_failure(parameter: str) -> tuple[int, str, bytes]:
    return 400, JSON_TYPE, json.dumps({
        "status": "failed", "message-type": "validation-failure",
        "message": [{"type": "parameter-not-allowed", "value": parameter,
                     "message": f"This route does not support the parameter {parameter}"}]}).encode()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    app: CrossrefServer

    def process_request(self, request, client_address):
        with self.app._lock:
            self.app._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.app._lock:
            self.app._connections.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real client expects
    server_version = "Jetty(9.4.40.v20210413)"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection is closed after this
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # quiet: tests and benchmarks read the counters instead

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        app = self.server.app
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        record = RequestRecord(parts.path, params, {k.lower(): v for k, v in self.headers.items()})
        over, fault = app._arrive(record)
        left = False
        try:
            headers = app.limit_headers(params)
            if over:
                app._leave()
                left = True
                record.status = 429
                self._answer(429, JSON_TYPE, _too_many(over), {**headers, "retry-after": "1"})
                return
            status, content_type, body = app.route(parts.path, params, self.headers.get("accept", ""))
            delay = app.latency + ((fault.seconds or 0.0) if fault and fault.kind == "slow" else 0.0)
            if fault and fault.kind == "hang":
                delay = math.inf
            deadline = time.monotonic() + delay
            if delay > 0 and not self._wait(delay):
                record.fault = fault.kind if fault else "client gone"
                self.close_connection = True
                if app.keep_working and delay != math.inf:  # the work goes on; the slot stays taken
                    time.sleep(max(0.0, deadline - time.monotonic()))
                return
            app._leave()  # before answering: once the client has its answer, the slot is free
            left = True
            if fault:
                record.fault = fault.kind
                self._misbehave(fault, status, content_type, body, headers, record)
                return
            record.status = status
            self._answer(status, content_type, body, headers)
        finally:
            if not left:
                app._leave()

    def _misbehave(self, fault: Fault, status: int, content_type: str, body: bytes,
                   headers: dict[str, str], record: RequestRecord) -> None:
        if fault.kind == "status":
            extra = {"retry-after": _seconds_header(fault.seconds)} if fault.seconds is not None else {}
            record.status = fault.code
            if fault.code == 429:
                self._answer(429, JSON_TYPE, _too_many("rate"), {**headers, **extra})
            else:
                self._answer(fault.code, "text/plain", b"Service unavailable.", {**headers, **extra})
        elif fault.kind == "slow":
            record.status = status
            self._answer(status, content_type, body, headers)
        elif fault.kind == "truncated":
            record.status = status
            self._answer(status, content_type, body, headers, send=len(body) // 2)
            self._hang_up(reset=False)
        elif fault.kind == "bad-json":
            record.status = status
            cut = body[: len(body) // 2]
            self._answer(status, content_type, cut, headers)
        elif fault.kind == "dropped":
            self._hang_up(reset=False)
        elif fault.kind == "reset":
            self._hang_up(reset=True)
        elif fault.kind == "garbage-headers":
            record.status = status
            garbage = {**headers, "x-rate-limit-limit": "lots", "x-rate-limit-interval": "soon",
                       "x-concurrency-limit": "-3, x"}
            self._answer(status, content_type, body, garbage)
        else:
            raise ValueError(f"unknown fault {fault.kind!r}")

    def _answer(self, status: int, content_type: str, body: bytes, headers: dict[str, str],
                send: int | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.send_header("access-control-allow-origin", "*")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body if send is None else body[:send])
        self.wfile.flush()

    def _hang_up(self, *, reset: bool) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            if reset:  # linger 0: close sends RST instead of FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False as soon as the client hangs up (it timed out and gave up)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.01))
            if self.server.app._stopping:
                return False
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return False
                except OSError:
                    return False
                if math.isinf(seconds):  # it sent more; a hanging request still never answers
                    time.sleep(0.01)
                    continue
                time.sleep(max(0.0, deadline - time.monotonic()))  # it sent more; just wait
                return True
        return True


def _too_many(over: str) -> bytes:
    what = "concurrent requests" if over == "concurrency" else "requests per interval"
    return json.dumps({"status": "failed", "message-type": "rate-limit",
                       "message": f"Too many {what}; slow down."}).encode()


def _seconds_header(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


# --- loading records and running by hand -------------------------------------------------------
def load_records(path: Path | str) -> list[dict]:
    """Work records from JSON lines, a Crossref envelope, or an ``{"items": [...]}`` file (gzip ok)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    stripped = text.lstrip()
    if stripped.startswith("{") and "\n{" not in stripped.rstrip():
        data = json.loads(stripped)
        message = data.get("message", data)
        if isinstance(message, dict) and isinstance(message.get("items"), list):
            return message["items"]
        return [message]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m support.crossref_server",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("catalog", nargs="+", help="work records: JSON lines, envelope or {items} files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--rate", default="10/1s", help="announced and enforced rate, e.g. 10/1s (or 'none')")
    parser.add_argument("--concurrency", default="3", help="requests allowed in flight (or 'none')")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 5xx")
    parser.add_argument("--truncate-rate", type=float, default=0.0, help="share of bodies cut short")
    parser.add_argument("--hang", action="store_true", help="accept requests and never answer")
    args = parser.parse_args(argv)
    records = [record for path in args.catalog for record in load_records(path)]
    rate = None
    if args.rate != "none":
        count, _, interval = args.rate.partition("/")
        rate = (int(count), interval or "1s")
    concurrency = None if args.concurrency == "none" else int(args.concurrency)
    server = CrossrefServer(records, latency=args.latency, rate_limit=rate, concurrency=concurrency,
                            host=args.host, port=args.port, error_rate=args.error_rate,
                            truncate_rate=args.truncate_rate, hang=args.hang, keep_working=True)
    print(f"serving {len(server.index.records)} works at {server.url} (Ctrl-C stops)", file=sys.stderr)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
