"""Client settings travel in one object (habanero-style), from flags or the environment.

Paths never depend on where refkit happens to be started from, except the workspace's own
folders: outputs go to ``./refs`` (``--out-dir``), and a workspace that has a ``./cache`` folder
keeps its catalog and response cache there. Otherwise the cache is the user's cache directory
(``$XDG_CACHE_HOME/refkit``, ``~/.cache/refkit``), so refkit finds its catalog from any folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "https://api.crossref.org"
DEFAULT_PUBMED_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"


def user_cache_dir() -> Path:
    """The per-user cache folder (XDG), used when the workspace has no ``./cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "refkit"


def default_cache_dir() -> Path:
    """``REFKIT_CACHE_DIR``; else the workspace's ``./cache`` when it exists; else the user's."""
    if os.environ.get("REFKIT_CACHE_DIR"):
        return Path(os.environ["REFKIT_CACHE_DIR"]).expanduser().resolve()
    local = Path("cache")
    if local.is_dir():
        return local.resolve()
    return user_cache_dir()


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


@dataclass
class Settings:
    """Where refkit reads and writes, and how it talks to Crossref and PubMed.

    Environment: ``REFKIT_CROSSREF_URL``, ``REFKIT_PUBMED_URL``, ``NCBI_API_KEY``,
    ``REFKIT_MAILTO``, ``REFKIT_CACHE_DIR``, ``REFKIT_TIMEOUT`` (seconds to wait for an answer),
    ``REFKIT_CONNECT_TIMEOUT`` (seconds to wait for a connection), ``REFKIT_CACHE_DAYS`` (how long a
    stored answer is fresh; 0: forever).
    """

    api_url: str = field(default_factory=lambda: os.environ.get("REFKIT_CROSSREF_URL") or DEFAULT_API_URL)
    pubmed_url: str = field(default_factory=lambda: os.environ.get("REFKIT_PUBMED_URL") or DEFAULT_PUBMED_URL)
    ncbi_api_key: str | None = field(default_factory=lambda: os.environ.get("NCBI_API_KEY") or None)
    mailto: str | None = field(default_factory=lambda: os.environ.get("REFKIT_MAILTO") or None)
    timeout: float = field(default_factory=lambda: _float_env("REFKIT_TIMEOUT", 20.0))
    # A healthy server accepts in milliseconds; waiting longer only delays "unreachable".
    connect_timeout: float = field(default_factory=lambda: _float_env("REFKIT_CONNECT_TIMEOUT", 5.0))
    # Records change (corrections, retraction notices): an answer older than this is asked again;
    # it still serves offline, or when Crossref cannot be asked.
    cache_days: float = field(default_factory=lambda: _float_env("REFKIT_CACHE_DAYS", 30.0))
    cache_dir: Path = field(default_factory=default_cache_dir)
    refs_dir: Path = field(default_factory=lambda: Path("refs"))
    refresh: bool = False  # bypass the response cache
    offline: bool = False  # never touch the network; local catalog only
    pubmed: bool = True  # ask PubMed (E-utilities) too, unless offline
    # Retries are cheap where it matters: the request gate keeps them within the announced limits,
    # and a dead server is given up by the failure budget (calls failed for good), not by the count
    # here. Eight retries lose one call in 4,000 to a server failing 40% of attempts (five: one in 100).
    max_retries: int = 8
    retry_backoff: float = 0.5  # seconds before the first retry; doubled each time (with jitter), up to 4 s
    progress: bool = True  # progress bar on stderr when it is a terminal
