"""Shared fixtures: a Crossref-compatible server on loopback, and clients pointed at it.

``crossref_server(records=..., **options)`` starts a :class:`support.crossref_server.CrossrefServer`
on 127.0.0.1, port 0 (stopped after the test); ``crossref_client(server, **settings)`` makes a
:class:`refkit.resolve.crossref.CrossrefClient` with its own cache directory and short backoffs.
Nothing here touches any address but 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from support.crossref_server import CrossrefServer, WorkIndex

from refkit.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"


@pytest.fixture(autouse=True, scope="session")
def _private_user_cache(tmp_path_factory: pytest.TempPathFactory):
    """The user's cache folder (where refkit keeps its catalog outside a workspace) is the suite's
    own, so another refkit on this machine cannot change what a test sees. The drug-vocabulary
    cache stays where it is: it is derived data, stamped with what it was built from."""
    import os

    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "REFKIT_VOCAB_CACHE")}
    home_cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    os.environ.setdefault("REFKIT_VOCAB_CACHE", home_cache)
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def closed_port() -> int:
    """A loopback port nobody listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh checkout-like directory (cwd) with seeds/ only and a Crossref that refuses connections."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REFKIT_CROSSREF_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("REFKIT_CACHE_DIR", raising=False)
    return tmp_path


def synthetic_work(n: int, title: str, family: str, journal: str, year: int, volume: str = "",
                   page: str = "", **extra) -> dict:
    """A Crossref-format work record under Crossref's test prefix 10.5555/."""
    record = {"DOI": f"10.5555/refkit-test.{n:04d}", "type": "journal-article", "title": [title],
              "author": [{"family": family, "given": "A", "sequence": "first"}],
              "container-title": [journal], "short-container-title": [journal],
              "issued": {"date-parts": [[year]]}}
    if volume:
        record["volume"] = volume
    if page:
        record["page"] = page
    record.update(extra)
    return record


_WORDS = ("renal", "hepatic", "cardiac", "pulmonary", "gastric", "neural", "dermal", "ocular", "splenic",
          "thyroid", "adrenal", "pancreatic")
_THINGS = ("fibrosis", "carcinoma", "ischemia", "infarction", "sarcoidosis", "amyloidosis", "lymphoma",
           "abscess", "hemorrhage", "stenosis")


def synthetic_works(count: int = 60) -> list[dict]:
    """``count`` distinct synthetic works, each findable by its title words and author."""
    works = []
    for n in range(count):
        organ, disease = _WORDS[n % len(_WORDS)], _THINGS[(n // len(_WORDS)) % len(_THINGS)]
        works.append(synthetic_work(
            n, f"{organ.title()} {disease} presenting as case number {n}", f"Author{n:03d}",
            "J Synth Med", 2000 + n % 20, volume=str(10 + n), page=f"{100 + n}-{110 + n}"))
    return works


def reference_string(work: dict) -> str:
    """A Vancouver-style reference string for a synthetic work."""
    year = work["issued"]["date-parts"][0][0]
    return (f"{work['author'][0]['family']} A. {work['title'][0]}. {work['container-title'][0]} "
            f"{year};{work.get('volume', '')}:{work.get('page', '')}.")


@pytest.fixture(scope="session")
def corpus_catalog() -> list[dict]:
    with open(CORPUS / "catalog.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope="session")
def corpus_index(corpus_catalog) -> WorkIndex:
    return WorkIndex(corpus_catalog)


@pytest.fixture
def crossref_server():
    """Factory: ``crossref_server(records=None, **CrossrefServer options)``: synthetic works, 100/s."""
    started: list[CrossrefServer] = []

    def start(records: list[dict] | None = None, **options) -> CrossrefServer:
        options.setdefault("rate_limit", (100, "1s"))  # fast tests; the limits have tests of their own
        server = CrossrefServer(synthetic_works() if records is None else records, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def crossref_client(tmp_path):
    """Factory: ``crossref_client(server_or_url, backoff=0.01, **Settings fields)``."""
    from refkit.resolve.crossref import CrossrefClient

    made = []

    def make(server, *, backoff: float = 0.01, error_minimum: int = 20, **fields) -> CrossrefClient:
        url = server if isinstance(server, str) else server.url
        fields.setdefault("mailto", "test@example.org")
        fields.setdefault("timeout", 2.0)
        fields.setdefault("cache_dir", tmp_path / "cache")
        client = CrossrefClient(Settings(api_url=url, **fields), backoff=backoff, error_minimum=error_minimum)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
