"""Reading Crossref's limit headers, and pacing requests to stay within them."""

from __future__ import annotations

import sqlite3
import threading
import time
from email.utils import formatdate

import pytest

from refkit.resolve.rate_limit import (
    POLITE_POOL,
    PUBLIC_POOL,
    Limits,
    RequestGate,
    SharedGate,
    parse_int,
    parse_interval,
    parse_limits,
    parse_retry_after,
)


@pytest.mark.parametrize(("value", "expected"), [
    ("3", 3), ("50, 50", 50), ("50,40", 40), (" 10 ", 10), ("", None), (None, None), ("lots", None),
    ("0", None), ("-3, x", None),
])
def test_parse_int(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("1s", 1.0), ("500ms", 0.5), ("1m", 60.0), ("2", 2.0), ("1s, 1s", 1.0), ("1s, 2s", 2.0),
    ("soon", None), ("0s", None), ("", None), (None, None), ("1s, later", None),
])
def test_parse_interval(value, expected):
    assert parse_interval(value) == expected


def test_parse_limits_keeps_what_it_cannot_read():
    previous = Limits(rate=7, interval=2.0, concurrency=2)
    assert parse_limits({}, previous) == previous
    garbage = {"x-rate-limit-limit": "lots", "x-rate-limit-interval": "soon", "x-concurrency-limit": ""}
    assert parse_limits(garbage, previous) == previous
    announced = {"x-rate-limit-limit": "50, 50", "x-rate-limit-interval": "1s", "x-concurrency-limit": "5"}
    assert parse_limits(announced, previous) == Limits(rate=50, interval=1.0, concurrency=5)


def test_parse_retry_after():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("whenever") is None
    in_a_minute = parse_retry_after(formatdate(timeval=__import__("time").time() + 60, usegmt=True))
    assert 55 <= in_a_minute <= 61


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now = max(self.now, self.now + seconds)


def _starts(gate: RequestGate, fake: FakeTime, count: int) -> list[float]:
    starts = []
    for _ in range(count):
        gate.acquire()
        starts.append(fake.now)
        gate.release()
    return starts


def test_gate_spaces_starts_so_no_window_holds_more_than_the_rate():
    fake = FakeTime()
    gate = RequestGate(Limits(rate=10, interval=1.0, concurrency=3), clock=fake.clock, sleep=fake.sleep)
    starts = _starts(gate, fake, 35)
    for i, start in enumerate(starts):
        assert sum(1 for s in starts[i:] if s < start + 1.0) <= 10


def test_gate_after_a_429_pauses_then_runs_slower():
    fake = FakeTime()
    gate = RequestGate(Limits(rate=10, interval=1.0, concurrency=1), clock=fake.clock, sleep=fake.sleep)
    before = _starts(gate, fake, 2)
    gate.throttled(2.0)
    after = _starts(gate, fake, 2)
    assert after[0] >= before[1] + 2.0
    assert after[1] - after[0] > before[1] - before[0]
    for _ in range(50):
        gate.succeeded()
    assert gate.slowdown == 1.0


def test_gate_admits_one_request_until_limits_are_announced():
    gate = RequestGate(POLITE_POOL)
    gate.acquire()
    second = threading.Thread(target=gate.acquire)
    second.start()
    second.join(timeout=0.2)
    assert second.is_alive()  # waiting: nobody knows the limits yet
    gate.update(POLITE_POOL)
    second.join(timeout=2)
    assert not second.is_alive()


def test_a_released_slot_can_be_held_for_a_while():
    gate = RequestGate(Limits(rate=1000, interval=1.0, concurrency=1))
    gate.update(gate.limits)
    with gate.slot() as slot:
        slot.hold(0.3)  # given up, but the server may still be working on it
    started = time.monotonic()
    gate.acquire()
    assert time.monotonic() - started >= 0.29
    gate.release()
    assert gate.in_flight == 0


# --- shared between processes -------------------------------------------------------------------
# Two SharedGate objects on one file stand for two processes: they share nothing but the file.
FAST = Limits(rate=20, interval=1.0, concurrency=2)


def _shared_pair(tmp_path, limits: Limits = FAST) -> tuple[SharedGate, SharedGate]:
    one, two = (SharedGate(tmp_path / "gate.sqlite", PUBLIC_POOL, name="test") for _ in range(2))
    one.update(limits)
    return one, two


def test_shared_gates_announce_limits_to_each_other(tmp_path):
    one, two = _shared_pair(tmp_path)
    assert two.announced and two.limits == FAST
    other_pool = SharedGate(tmp_path / "gate.sqlite", PUBLIC_POOL, name="another server")
    assert not other_pool.announced and other_pool.limits == PUBLIC_POOL


def test_a_stale_announcement_is_not_trusted(tmp_path):
    SharedGate(tmp_path / "gate.sqlite", PUBLIC_POOL, name="test").update(FAST)
    later = SharedGate(tmp_path / "gate.sqlite", PUBLIC_POOL, name="test", clock=lambda: time.time() + 3600)
    assert not later.announced and later.limits == PUBLIC_POOL


def test_shared_gates_together_keep_the_rate_and_the_concurrency(tmp_path):
    gates = _shared_pair(tmp_path)
    starts: list[float] = []
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most

    def work(gate: SharedGate) -> None:
        for _ in range(8):
            with gate.slot():
                with lock:
                    starts.append(time.monotonic())
                    in_flight[0] += 1
                    in_flight[1] = max(in_flight[1], in_flight[0])
                time.sleep(0.05)
                with lock:
                    in_flight[0] -= 1

    threads = [threading.Thread(target=work, args=(gate,)) for gate in gates for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    assert len(starts) == 48
    assert 1 <= in_flight[1] <= 2  # never exceeded (whether both slots overlap depends on the load)
    for i, start in enumerate(starts):
        assert sum(1 for s in starts[i:] if s < start + 1.0) <= 20


def test_a_429_seen_by_one_pauses_the_other(tmp_path):
    one, two = _shared_pair(tmp_path)
    one.throttled(0.4)
    started = time.monotonic()
    with two.slot():
        pass
    assert time.monotonic() - started >= 0.39
    assert two.slowdown > 1


def test_a_held_slot_and_an_abandoned_lease_expire(tmp_path):
    one, two = _shared_pair(tmp_path, Limits(rate=1000, interval=1.0, concurrency=1))
    with one.slot() as slot:
        slot.hold(0.3)
    started = time.monotonic()
    with two.slot():
        pass
    assert time.monotonic() - started >= 0.29
    # A process killed mid-request never releases: its lease frees the slot.
    short = SharedGate(tmp_path / "gate.sqlite", PUBLIC_POOL, name="test", lease=0.3)
    short.acquire()  # and never released
    started = time.monotonic()
    with two.slot():
        pass
    assert 0.2 <= time.monotonic() - started < 2


def test_a_damaged_gate_file_is_an_error_to_open(tmp_path):
    (tmp_path / "gate.sqlite").write_bytes(b"not a database" * 300)
    with pytest.raises(sqlite3.DatabaseError):
        SharedGate(tmp_path / "gate.sqlite", PUBLIC_POOL)


def test_a_pacing_file_failing_mid_run_leaves_the_process_pacing_itself(tmp_path):
    from refkit.messages import capture

    gate = SharedGate(tmp_path / "gate.sqlite", PUBLIC_POOL, name="test")
    gate.update(FAST)
    with capture() as said:
        with gate.slot():
            gate._conn.close()  # the file fails under us (as on a full disk, or a removed directory)
        starts = []
        for _ in range(3):
            with gate.slot():
                starts.append(time.monotonic())
        gate.succeeded()
    assert [level for level, _ in said] == ["warning"] and "paces itself alone" in said[0][1]
    assert gate.limits == FAST and gate.announced
    assert starts[2] - starts[0] >= 2 * FAST.spacing  # still paced
