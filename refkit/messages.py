"""Warnings and progress notes: one channel from the library to whoever runs it.

Library code calls :func:`warn` (something the user should know: a source went down, a file
was set aside) or :func:`note` (progress worth a line: a cache being built). By default they
go to stderr as ``refkit: warning: …`` / ``refkit: …``; a caller (the CLI, a test, an
application) can route them elsewhere with :func:`capture` or :func:`set_sink`. What belongs to
one article's outcome (a reference that cannot be split) is data instead: ``Article.warnings``.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Literal

Level = Literal["warning", "note"]
Sink = Callable[[Level, str], None]


def _stderr(level: Level, message: str) -> None:
    prefix = "refkit: warning: " if level == "warning" else "refkit: "
    print(prefix + message, file=sys.stderr, flush=True)


_sink: Sink = _stderr
_lock = threading.Lock()
_said: set[str] = set()


def set_sink(sink: Sink | None) -> Sink:
    """Route messages to ``sink`` (None: back to stderr); returns the previous sink."""
    global _sink
    previous, _sink = _sink, sink or _stderr
    return previous


def warn(message: str, *, once: bool = False) -> None:
    """Say ``message`` as a warning; with ``once``, only the first time in this process."""
    _emit("warning", message, once)


def note(message: str, *, once: bool = False) -> None:
    """Say a progress note (a long step starting, a summary)."""
    _emit("note", message, once)


def _emit(level: Level, message: str, once: bool) -> None:
    with _lock:
        if once:
            if message in _said:
                return
            _said.add(message)
        sink = _sink
    sink(level, message)


@contextlib.contextmanager
def capture() -> Iterator[list[tuple[Level, str]]]:
    """Collect messages instead of printing them (tests, applications)."""
    got: list[tuple[Level, str]] = []
    previous = set_sink(lambda level, message: got.append((level, message)))
    try:
        yield got
    finally:
        set_sink(previous)
