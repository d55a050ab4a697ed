"""Client-side limits for a rate-limited API: request pacing plus a cap on requests in flight.

Crossref announces its limits in every response (``x-rate-limit-limit``, ``x-rate-limit-interval``,
``x-concurrency-limit``); :func:`parse_limits` reads them defensively. :class:`RequestGate`
enforces them for all threads of one process; :class:`SharedGate` does the same through a small
SQLite file, for every process that opens the same file (two refkit runs sharing a cache directory
together stay within one client's limits).

A request that timed out may still be running on the server, holding one of its slots: both
gates let the caller keep its slot for a while after giving up (``release(hold=seconds)``, or
``slot.hold(seconds)`` inside ``with gate.slot() as slot``).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from refkit.messages import warn

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

    def __init__(self, limits: Limits, *, margin: float = PACING_MARGIN,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._limits = limits
        self._margin = margin
        self._clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._in_flight = 0
        self._held: list[float] = []  # until when each given-up request keeps its slot
        self._last_start: float | None = None  # the latest start handed out
        self._paused_until = 0.0  # after a 429: nobody starts before this
        self._slowdown = 1.0
        self._announced = False

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def announced(self) -> bool:
        """True once a response has announced the limits (before: one request at a time)."""
        return self._announced

    @property
    def slowdown(self) -> float:
        return self._slowdown

    @property
    def in_flight(self) -> int:
        """Slots taken now, held ones included."""
        with self._cond:
            return self._in_flight + len(self._held_now())

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

    def _held_now(self) -> list[float]:
        now = self._clock()
        self._held = [until for until in self._held if until > now]
        return self._held

    def acquire(self) -> None:
        """Block until a slot is free and this request's start time has come."""
        with self._cond:
            while self._in_flight + len(held := self._held_now()) >= (
                    self._limits.concurrency if self._announced else 1):
                # A held slot frees itself at a known time; a running request wakes us on release.
                self._cond.wait(timeout=max(0.001, min(held) - self._clock()) if held else None)
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
        # The gap follows the limits known now, not those known at the previous start: the first
        # answer may announce a slower rate than the guess the first request went out under.
        gap = self._limits.spacing * (1 + self._margin) * self._slowdown
        start = max(now, self._paused_until)
        if self._last_start is not None:
            start = max(start, self._last_start + gap)
        self._last_start = start
        return start

    def release(self, hold: float = 0.0) -> None:
        """Free the slot; with ``hold``, only after that many seconds (the server may still be busy)."""
        with self._cond:
            self._in_flight -= 1
            if hold > 0:
                self._held.append(self._clock() + hold)
            self._cond.notify()

    def slot(self) -> _Slot:
        return _Slot(self)


class SharedGate:
    """A :class:`RequestGate` whose state lives in a SQLite file: every process that opens the same
    ``path`` (and ``name``) shares one pace, one pause after a 429, one count of requests in flight,
    and the limits the last response announced.

    Thread-safe and process-safe. Each slot is a row with a lease (``lease`` seconds: the longest a
    request can take, timeouts included); a process killed mid-request leaves a row that expires
    with its lease, so the others slow down for a while but never stop. Waiting for a slot held by
    another process is by polling (every ``poll`` seconds): there is no cross-process wake-up.

    Raises ``sqlite3.Error`` or ``OSError`` when the file cannot be opened; the caller falls back
    to a :class:`RequestGate`. When the file fails later (disk full, removed, locked for too long),
    the gate says so once and goes on as a :class:`RequestGate` of this process alone.
    """

    def __init__(self, path: str | os.PathLike[str], limits: Limits, *, name: str = "default",
                 margin: float = PACING_MARGIN, lease: float = 120.0, poll: float = 0.01,
                 fresh_for: float = 300.0, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = path
        self.name = name
        self._limits = limits  # ours until someone announces
        self._margin = margin
        self._lease = lease
        self._poll = poll
        self._fresh_for = fresh_for
        self._clock = clock  # wall time: the one clock processes share
        self._sleep = sleep
        self._lock = threading.Lock()
        self._admitting = threading.Lock()
        self._mine = threading.local()  # each thread's slot ids, innermost last
        self._announced = False
        self._published = 0.0
        self._local: RequestGate | None = None  # after the file failed mid-run
        self._degrading = threading.Lock()
        self._conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            self._conn.execute("PRAGMA busy_timeout=30000")
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            with self._transaction() as db:
                db.execute(_GATE_SCHEMA_STATE)
                db.execute(_GATE_SCHEMA_SLOTS)
                db.execute("INSERT OR IGNORE INTO gate_state (name, last_start, paused_until, slowdown) "
                           "VALUES (?, 0, 0, 1)", (name,))
        except BaseException:
            self._conn.close()
            raise

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _state(self, db: sqlite3.Connection, now: float) -> tuple[float, float, float, Limits | None]:
        row = db.execute("SELECT last_start, paused_until, slowdown, rate, interval, concurrency, "
                         "announced_at FROM gate_state WHERE name = ?", (self.name,)).fetchone()
        return row[0], row[1], row[2], self._fresh(row[3:], now)

    def _fresh(self, announced: tuple[Any, ...], now: float) -> Limits | None:
        """Limits another process heard recently (the server repeats them in every answer); an
        announcement from a run long gone is a guess like any default."""
        rate, interval, concurrency, at = announced
        return Limits(rate, interval, concurrency) if rate and at > now - self._fresh_for else None

    def _alone(self, err: Exception) -> RequestGate:
        """The file failed: from now on this process paces itself (said once)."""
        with self._degrading:
            if self._local is None:
                self._local = RequestGate(self._limits, margin=self._margin)
                if self._announced:
                    self._local.update(self._limits)
                warn(f"request pacing file {self.path} failed ({err}); this process paces itself alone "
                     "from now on")
        return self._local

    # --- the RequestGate interface -------------------------------------------------------------
    def _shared_limits(self) -> Limits | None:
        with self._lock:
            row = self._conn.execute("SELECT rate, interval, concurrency, announced_at FROM gate_state "
                                     "WHERE name = ?", (self.name,)).fetchone()
        return self._fresh(row, self._clock())

    @property
    def limits(self) -> Limits:
        """The limits in force: the last announced to any process sharing the file, else ours."""
        if self._local is not None:
            return self._local.limits
        try:
            return self._shared_limits() or self._limits
        except sqlite3.Error as err:
            return self._alone(err).limits

    @property
    def announced(self) -> bool:
        if self._local is not None:
            return self._local.announced
        try:
            return self._announced or self._shared_limits() is not None
        except sqlite3.Error as err:
            return self._alone(err).announced

    @property
    def slowdown(self) -> float:
        if self._local is not None:
            return self._local.slowdown
        with self._lock:
            slowdown: float = self._conn.execute("SELECT slowdown FROM gate_state WHERE name = ?",
                                                 (self.name,)).fetchone()[0]
        return slowdown

    @property
    def in_flight(self) -> int:
        if self._local is not None:
            return self._local.in_flight
        with self._lock:
            taken: int = self._conn.execute("SELECT COUNT(*) FROM gate_slots WHERE name = ? AND until > ?",
                                            (self.name, self._clock())).fetchone()[0]
        return taken

    def update(self, limits: Limits) -> None:
        """Adopt (and publish to the other processes) the limits a response announced."""
        if self._local is not None:
            return self._local.update(limits)
        try:
            self._publish(limits)
        except sqlite3.Error as err:
            self._alone(err).update(limits)

    def _publish(self, limits: Limits) -> None:
        now = self._clock()
        if self._announced and limits == self._limits and now < self._published + self._fresh_for / 10:
            return  # every answer repeats them: publish only changes, and now and then
        self._announced = True
        self._limits = limits
        self._published = now
        with self._transaction() as db:
            db.execute("UPDATE gate_state SET rate = ?, interval = ?, concurrency = ?, announced_at = ? "
                       "WHERE name = ?", (limits.rate, limits.interval, limits.concurrency, self._clock(),
                                          self.name))

    def throttled(self, wait: float) -> None:
        if self._local is not None:
            return self._local.throttled(wait)
        try:
            with self._transaction() as db:
                db.execute("UPDATE gate_state SET slowdown = MIN(slowdown * 1.5, 16.0), "
                           "paused_until = MAX(paused_until, ?) WHERE name = ?",
                           (self._clock() + wait, self.name))
        except sqlite3.Error as err:
            self._alone(err).throttled(wait)

    def succeeded(self) -> None:
        if self._local is not None:
            return self._local.succeeded()
        try:
            with self._transaction() as db:
                db.execute("UPDATE gate_state SET slowdown = MAX(1.0, slowdown / 1.05) "
                           "WHERE name = ? AND slowdown > 1.0", (self.name,))
        except sqlite3.Error as err:
            self._alone(err).succeeded()

    def acquire(self) -> None:
        """Block until a slot is free (in every process sharing the file) and our start time has come.

        A request is admitted only at its start time, and the next one is paced from the moment it
        really was: a process that overslept (a busy machine, another thread holding the GIL) then
        delays those after it instead of crowding them into its window. Reserving start times ahead
        (as :class:`RequestGate` does) let one late start and its on-time successors land 11
        arrivals in one second at a 10/s server.
        """
        local = self._local
        if local is None:
            try:
                with self._admitting:  # one thread of this process polls the file; the others queue here
                    slot = self._admit()
            except sqlite3.Error as err:
                local = self._alone(err)
            else:
                self._slots().append(slot)
                return
        local.acquire()
        self._slots().append(None)  # None: taken from this process's own gate

    def _admit(self) -> int:
        while True:
            with self._transaction() as db:
                now = self._clock()
                db.execute("DELETE FROM gate_slots WHERE name = ? AND until <= ?", (self.name, now))
                taken = db.execute("SELECT COUNT(*) FROM gate_slots WHERE name = ?",
                                   (self.name,)).fetchone()[0]
                last_start, paused_until, slowdown, shared = self._state(db, now)
                limits = shared or self._limits
                # A start in the future is a clock that jumped back: pace from now instead.
                last_start = min(last_start, now)
                # The gap follows the limits known now (the first answer may announce a slower rate
                # than the guess the previous request went out under).
                start = max(last_start + limits.spacing * (1 + self._margin) * slowdown, paused_until)
                free = taken < (limits.concurrency if shared or self._announced else 1)
                if free and start <= now:
                    db.execute("UPDATE gate_state SET last_start = ? WHERE name = ?", (now, self.name))
                    slot = db.execute("INSERT INTO gate_slots (name, until) VALUES (?, ?)",
                                      (self.name, now + self._lease)).lastrowid
                    assert slot is not None  # an INSERT always sets it
                    return slot
            # Not yet our time: sleep until it (others may take it first); no free slot: poll.
            self._sleep(min(max(start - now, self._poll), 0.25) if free else self._poll)

    def release(self, hold: float = 0.0) -> None:
        """Free this thread's latest slot; with ``hold``, only after that many seconds."""
        slot = self._slots().pop()
        if slot is None:  # taken from this process's own gate
            assert self._local is not None  # set (for good) before any slot was taken from it
            self._local.release(hold)
            return
        try:
            with self._transaction() as db:
                if hold > 0:
                    db.execute("UPDATE gate_slots SET until = ? WHERE id = ?", (self._clock() + hold, slot))
                else:
                    db.execute("DELETE FROM gate_slots WHERE id = ?", (slot,))
        except sqlite3.Error as err:
            self._alone(err)  # the row, if any is left, frees itself with its lease

    def slot(self) -> _Slot:
        return _Slot(self)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        self._local = self._local or RequestGate(self._limits)  # a late caller is still paced

    def _slots(self) -> list[int | None]:
        if not hasattr(self._mine, "slots"):
            self._mine.slots = []
        slots: list[int | None] = self._mine.slots
        return slots


_GATE_SCHEMA_STATE = """
CREATE TABLE IF NOT EXISTS gate_state (
    name TEXT PRIMARY KEY,
    last_start REAL NOT NULL,    -- wall time the latest request was let go
    paused_until REAL NOT NULL,  -- after a 429
    slowdown REAL NOT NULL,
    rate INTEGER, interval REAL, concurrency INTEGER,  -- as last announced; NULL until then
    announced_at REAL NOT NULL DEFAULT 0
)
"""
_GATE_SCHEMA_SLOTS = """
CREATE TABLE IF NOT EXISTS gate_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    until REAL NOT NULL          -- the lease: past it the slot is free whatever its holder did
)
"""


class _Slot:
    """``with gate.slot() as slot:`` — call ``slot.hold(seconds)`` to keep the slot after leaving."""

    def __init__(self, gate: RequestGate | SharedGate) -> None:
        self._gate = gate
        self._hold = 0.0

    def hold(self, seconds: float) -> None:
        """On leaving, keep the slot taken for ``seconds`` more (a request given up may still run)."""
        self._hold = max(self._hold, seconds)

    def __enter__(self) -> _Slot:
        self._gate.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._gate.release(self._hold)
