"""Parse benchmark: an article of 10,000 numbered references built from the corpus strings.

Parses it end to end with ``refkit.parse_article`` (segmentation + every reference) and prints
references per second and peak memory; then the same article as journal pages print it, with
link labels after each reference (``[PubMed] [Google Scholar]`` inline, or on lines of their
own), which the segmenter has to strip. Also times ``parse_reference`` alone.
Each rate is given by wall clock and by CPU time of this process: on a shared machine the
wall clock also counts time other processes held the core, the CPU figure does not.

Usage: python bench/bench_parse.py [--n 10000] [--repeat 3]
Target: >= 10,000 references/s on one core, < 300 MB peak.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.references import load_records

from refkit.model import Article
from refkit.parse.reference import parse_reference


def build_article(raws: list[str], n: int) -> str:
    """A case-report shell whose reference section holds ``n`` numbered references."""
    lines = [
        "Journal List > J Test Assoc > v.1(1) > 1",
        "",
        "Doe J, Roe R: A case of something treated with something else",
        "",
        "Abstract",
        "A patient presented with a condition and was treated.",
        "",
        "References",
    ]
    for i in range(n):
        lines.append(f"{i + 1}. {raws[i % len(raws)]}")
    return "\n".join(lines) + "\n"


def with_link_residue(one_line: list[str]) -> list[str]:
    """The references as web pages print them: labels inline, or on their own lines, alternately."""
    return [raw + (" [PubMed] [Google Scholar]" if i % 2 else "\nCrossref\nPubMed\nGoogle Scholar")
            for i, raw in enumerate(one_line)]


def time_article(parse_article: Callable[[str], Article], text: str, repeat: int) -> tuple[int, float, float]:
    """(references found, best wall seconds, best CPU seconds) over ``repeat`` runs."""
    best, best_cpu = float("inf"), float("inf")
    found = 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        article = parse_article(text)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        found = len(article.references)
    return found, best, best_cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    raws = [r["raw"] for r in load_records()]
    # the pasted article has one reference a line, as web pages give them
    one_line = [" ".join(r.split()) for r in raws]
    text = build_article(one_line, args.n)

    try:
        from refkit import parse_article

        parse_article(text[:2000])
        end_to_end = True
    except Exception as exc:  # noqa: BLE001 - report and fall back, the benchmark must still run
        reason = type(exc).__name__
        print(f"parse_article unavailable ({reason}); timing parse_reference only", file=sys.stderr)
        end_to_end = False

    if end_to_end:
        found, best, best_cpu = time_article(parse_article, text, args.repeat)
        print(f"parse_article: {found} references in {best:.3f} s = {found / best:,.0f} references/s"
              f" (CPU {best_cpu:.3f} s = {found / best_cpu:,.0f} references/s)")
        tracemalloc.start()
        parse_article(text)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"parse_article peak traced memory: {peak / 1e6:.1f} MB")
        residue_text = build_article(with_link_residue(one_line), args.n)
        found, best, best_cpu = time_article(parse_article, residue_text, args.repeat)
        print(f"parse_article, link labels after each reference: {found} references in {best:.3f} s"
              f" = {found / best:,.0f} references/s"
              f" (CPU {best_cpu:.3f} s = {found / best_cpu:,.0f} references/s)")

    best, best_cpu = float("inf"), float("inf")
    batch = [raws[i % len(raws)] for i in range(args.n)]
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for raw in batch:
            parse_reference(raw)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    print(f"parse_reference: {len(batch)} strings in {best:.3f} s = {len(batch) / best:,.0f} references/s"
          f" (CPU {best_cpu:.3f} s = {len(batch) / best_cpu:,.0f} references/s)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
