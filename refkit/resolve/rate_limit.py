"""Client-side limits for a rate-limited API: request pacing plus a cap on requests in flight.

Crossref announces its limits in every response (``x-rate-limit-limit``, ``x-rate-limit-interval``,
``x-concurrency-limit``); :func:`parse_limits` reads them defensively and :class:`RequestGate`
enforces them for all threads of one process.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

# Headers have arrived as "50, 50" (a repeated header joined by a proxy); larger values than
# these are not believable, and would only make a mistake expensive.
_MAX_RATE = 1000
_MAX_CONCURRENCY = 32
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}

# Requests start a little further apart than the announced rate: the server counts arrivals,
# and a few milliseconds of scheduling jitter must not push one window over the limit.
PACING_MARGIN = 0.05


@dataclass(frozen=True)
class Limits:
    """How many requests may start per ``interval`` seconds, and how many may be in flight."""

    rate: int
    interval: float
    concurrency: int

    @property
    def spacing(self) -> float:
        """Seconds between request starts at the announced rate (no margin)."""
        return self.interval / self.rate


PUBLIC_POOL = Limits(rate=5, interval=1.0, concurrency=1)
POLITE_POOL = Limits(rate=10, interval=1.0, concurrency=3)


def parse_int(value: str | None) -> int | None:
    """The smallest positive integer in a header value like ``"3"`` or ``"50, 50"``; else None."""
    if not value:
        return None
    numbers = [int(part) for part in re.split(r"[,\s]+", value.strip()) if part.isdigit()]
    numbers = [n for n in numbers if n > 0]
    return min(numbers) if numbers else None


def parse_interval(value: str | None) -> float | None:
    """Seconds in an interval header like ``1s``, ``500ms``, ``1m`` (a bare number is seconds)."""
    if not value:
        return None
    # A repeated header ("1s, 1s"): every part must parse; the longest interval is the safe one.
    seconds = []
    for part in value.split(","):
        match = _INTERVAL.match(part)
        if not match:
            return None
        amount = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()]
        if amount <= 0:
            return None
        seconds.append(amount)
    return max(seconds) if seconds else None


def parse_limits(headers: Mapping[str, str], previous: Limits) -> Limits:
    """Limits announced by ``headers``; a header that is missing or unreadable keeps ``previous``."""
    rate = parse_int(headers.get("x-rate-limit-limit"))
    interval = parse_interval(headers.get("x-rate-limit-interval"))
    concurrency = parse_int(headers.get("x-concurrency-limit"))
    return Limits(
        rate=min(rate, _MAX_RATE) if rate else previous.rate,
        interval=interval if interval and interval <= 3600 else previous.interval,
        concurrency=min(concurrency, _MAX_CONCURRENCY) if concurrency else previous.concurrency,
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class RequestGate:
    """Admits a request when both a slot is free and the pacing allows it to start.

    Thread-safe. Use as ``with gate.slot(): send()``. Pacing is by start time: successive
    starts are at least ``spacing × (1 + margin) × slowdown`` apart, which keeps any window of
    ``interval`` seconds at or under the announced rate. After a 429 the gate pauses everyone
    and slows down; each later success recovers a little of the pace.

    Until the server has announced its limits (the first :meth:`update`), one request at a
    time: the defaults are a guess, and guessing high would earn 429s.
    """

    def __init__(self, limits: Limits, *, margin: float = PACING_MARGIN, clock=time.monotonic,
                 sleep=time.sleep) -> None:
        self._limits = limits
        self._margin = margin
        self._clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._in_flight = 0
        self._next_start = 0.0  # earliest start time of the next request
        self._paused_until = 0.0  # after a 429: nobody starts before this
        self._slowdown = 1.0
        self._announced = False

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def slowdown(self) -> float:
        return self._slowdown

    def update(self, limits: Limits) -> None:
        """Adopt the limits a response announced (wakes waiters if more slots became free)."""
        with self._cond:
            if limits != self._limits or not self._announced:
                self._limits = limits
                self._announced = True
                self._cond.notify_all()

    def throttled(self, wait: float) -> None:
        """A 429 arrived: nobody starts for ``wait`` seconds, and the pace slows down."""
        with self._cond:
            self._slowdown = min(self._slowdown * 1.5, 16.0)
            self._paused_until = max(self._paused_until, self._clock() + wait)

    def succeeded(self) -> None:
        with self._cond:
            self._slowdown = max(1.0, self._slowdown / 1.05)

    def acquire(self) -> None:
        """Block until a slot is free and this request's start time has come."""
        with self._cond:
            while self._in_flight >= (self._limits.concurrency if self._announced else 1):
                self._cond.wait()
            self._in_flight += 1
            now = self._clock()
            start = self._reserve(now)
        while (delay := start - now) > 0:
            self._sleep(delay)
            with self._cond:
                now = self._clock()
                if start < self._paused_until:  # a 429 came while this one waited: queue again
                    start = self._reserve(now)

    def _reserve(self, now: float) -> float:
        """The next free start time (caller holds the lock): no two requests share one."""
        start = max(now, self._next_start, self._paused_until)
        self._next_start = start + self._limits.spacing * (1 + self._margin) * self._slowdown
        return start

    def release(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify()

    def slot(self) -> _Slot:
        return _Slot(self)


class _Slot:
    def __init__(self, gate: RequestGate) -> None:
        self._gate = gate

    def __enter__(self) -> None:
        self._gate.acquire()

    def __exit__(self, *exc: object) -> None:
        self._gate.release()
