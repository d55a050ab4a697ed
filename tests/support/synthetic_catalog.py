"""Synthetic Crossref-format catalogs at any size, recombined from the corpus records.

The real records (``catalog.jsonl``: the cited works and their near-miss distractors) come
first and unchanged; the rest are new works made of their parts: a title from words of two real
titles, authors, journal and numbers drawn independently, so the words, surnames and journals
have the corpus's own frequencies and a reference finds its real work among look-alikes. Written
as the Crossref public data file ships: ``NNNNN.json.gz`` files of ``{"items": [...]}``.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

PER_FILE = 5000  # the public data file holds ~6,000 works a file (167M in ~28,000 files)


def synthetic_records(real: list[dict[str, Any]], n: int, seed: int = 0):
    """``n`` records: the real ones first, then recombinations of them."""
    rng = random.Random(seed)
    yield from real[:n]
    titles = [r["title"][0].split() for r in real if r.get("title")]
    authors = [r["author"] for r in real if r.get("author")]
    journals = [(r["container-title"], r.get("short-container-title"))
                for r in real if r.get("container-title")]
    for i in range(max(0, n - len(real))):
        a, b = rng.choice(titles), rng.choice(titles)
        cut_a, cut_b = rng.randint(1, max(1, len(a) - 1)), rng.randint(0, max(0, len(b) - 1))
        journal, short = rng.choice(journals)
        first = rng.randint(1, 2500)
        yield {
            "DOI": f"10.99999/synthetic.{i}",
            "type": "journal-article",
            "title": [" ".join(a[:cut_a] + b[cut_b:])],
            "author": rng.choice(authors),
            "container-title": journal,
            "short-container-title": short or journal,
            "issued": {"date-parts": [[rng.randint(1950, 2024)]]},
            "volume": str(rng.randint(1, 150)),
            "issue": str(rng.randint(1, 12)),
            "page": f"{first}-{first + rng.randint(1, 20)}",
        }


def write_synthetic(out: Path, real: list[dict[str, Any]], n: int, *, per_file: int = PER_FILE,
                    seed: int = 0) -> list[Path]:
    """Write ``n`` records into ``out`` as ``{"items": [...]}`` gzip files; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    files, items = [], []

    def dump() -> None:
        path = out / f"{len(files):05d}.json.gz"
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
            json.dump({"items": items}, fh)
        files.append(path)

    for record in synthetic_records(real, n, seed):
        items.append(record)
        if len(items) >= per_file:
            dump()
            items = []
    if items:
        dump()
    return files
