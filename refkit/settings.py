"""Client settings travel in one object (habanero-style), from flags or the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "https://api.crossref.org"


@dataclass
class Settings:
    """Where refkit reads and writes, and how it talks to Crossref.

    Environment: ``REFKIT_CROSSREF_URL``, ``REFKIT_MAILTO``, ``REFKIT_CACHE_DIR``,
    ``REFKIT_TIMEOUT`` (seconds to wait for an answer), ``REFKIT_CONNECT_TIMEOUT`` (seconds to
    wait for a connection), ``REFKIT_CACHE_DAYS`` (how long a stored answer is fresh; 0: forever).
    """

    api_url: str = field(default_factory=lambda: os.environ.get("REFKIT_CROSSREF_URL") or DEFAULT_API_URL)
    mailto: str | None = field(default_factory=lambda: os.environ.get("REFKIT_MAILTO") or None)
    timeout: float = field(default_factory=lambda: float(os.environ.get("REFKIT_TIMEOUT") or 20.0))
    # A healthy server accepts in milliseconds; waiting longer only delays "unreachable".
    connect_timeout: float = field(
        default_factory=lambda: float(os.environ.get("REFKIT_CONNECT_TIMEOUT") or 5.0))
    # Records change (corrections, retraction notices): an answer older than this is asked again;
    # it still serves offline, or when Crossref cannot be asked.
    cache_days: float = field(default_factory=lambda: float(os.environ.get("REFKIT_CACHE_DAYS") or 30.0))
    cache_dir: Path = field(default_factory=lambda: Path(os.environ.get("REFKIT_CACHE_DIR") or "cache"))
    refs_dir: Path = field(default_factory=lambda: Path("refs"))
    seeds_dir: Path = field(default_factory=lambda: Path("seeds"))
    refresh: bool = False  # bypass the response cache
    offline: bool = False  # never touch the network; local catalog only
    # Retries are cheap where it matters: the request gate keeps them within the announced limits,
    # and a dead server is given up by the failure budget (calls failed for good), not by the count
    # here. Eight retries lose one call in 4,000 to a server failing 40% of attempts (five: one in 100).
    max_retries: int = 8
    retry_backoff: float = 0.5  # seconds before the first retry; doubled each time (with jitter), up to 4 s
    progress: bool = True  # progress bar on stderr when it is a terminal
