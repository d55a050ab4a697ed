"""The local catalog at scale: import rate, peak RSS, bytes a record, search latency, offline
resolve rate with precision/recall on the 40 corpus pages.

Builds synthetic Crossref-format catalogs (tests/support/synthetic_catalog.py: the 5,666 real
records among recombinations of them) as the public data file ships, imports each in a fresh
process (its peak RSS is the import's own), then searches 500 real reference strings and
resolves the 40 pages offline against it.

    .venv/bin/python bench/bench_catalog.py                    # 100k and 1M
    .venv/bin/python bench/bench_catalog.py --sizes 100000 --workdir /tmp/catbench
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path)
from support.paths import CORPUS
from support.resolve import catalog_records, parsed_article, run_pages
from support.synthetic_catalog import write_synthetic

from refkit.resolve.catalog import LocalCatalog
from refkit.settings import Settings

IMPORT = """
import json, os, resource, sys, time
from refkit.resolve.catalog import LocalCatalog
cat = LocalCatalog(path=sys.argv[2])
load = os.getloadavg()[0]
t = time.monotonic()
report = cat.import_path(sys.argv[1])
took = time.monotonic() - t
cpu = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"works": report.works, "seconds": took,
                  "cpu": sum(r.ru_utime + r.ru_stime for r in cpu),
                  "cpu_main": cpu[0].ru_utime + cpu[0].ru_stime,
                  "load": (load, os.getloadavg()[0]),
                  "rss_main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "rss_worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))
"""


def search_figures(catalog: LocalCatalog, strings: list[str]) -> tuple[float, float, float]:
    for s in strings[:20]:  # warm the page cache as a long-running resolver would have it
        catalog.search_text(s, rows=10)
    times, cpu = [], []
    for s in strings:
        t, c = time.perf_counter(), time.process_time()
        catalog.search_text(s, rows=10)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    times.sort()
    cpu.sort()
    # CPU time as well as wall time: on a shared machine the wall-clock tail is the scheduler's.
    return statistics.median(times), times[int(0.95 * len(times)) - 1], cpu[int(0.95 * len(cpu)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/refkit-bench-catalog"))
    parser.add_argument("--keep", action="store_true", help="keep the generated files and catalogs")
    args = parser.parse_args()
    real = catalog_records()
    lines = (CORPUS / "refs.jsonl").read_text(encoding="utf-8").splitlines()
    strings = [" ".join(json.loads(x)["raw"].split()) for x in random.Random(1).sample(lines, 500)]
    pages = {p.stem: parsed_article(p.stem) for p in sorted((CORPUS / "pages").glob("*.txt"))}
    print(f"{'records':>10} {'import/s':>9} {'cpu µs/rec':>10} {'(main)':>6} {'RSS main':>9} "
          f"{'RSS wkr':>8} {'B/rec':>6} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'cpu p95':>7} {'refs/s':>7} {'P':>6} {'R':>6}")
    for size in args.sizes:
        data, db = args.workdir / f"data-{size}", args.workdir / f"catalog-{size}.sqlite"
        shutil.rmtree(data, ignore_errors=True)
        for p in db.parent.glob(db.name + "*"):
            p.unlink()
        write_synthetic(data, real, size)
        out = subprocess.run([sys.executable, "-c", IMPORT, str(data), str(db)], capture_output=True,
                             text=True, check=True)
        imp = json.loads(out.stdout.strip().splitlines()[-1])
        catalog = LocalCatalog(path=db)
        per_record = catalog.stats()["bytes"] / imp["works"]
        p50, p95, cpu95 = search_figures(catalog, strings)
        settings = Settings(cache_dir=args.workdir / "cache", offline=True)
        t = time.monotonic()
        score = run_pages(lambda page: copy.deepcopy(pages[page]), [catalog], settings=settings)
        took = time.monotonic() - t
        s = score.summary()
        n_refs = len(score.outcomes)
        catalog.close()
        rate, cpu = imp["works"] / imp["seconds"], imp["cpu"] / imp["works"] * 1e6
        print(f"{imp['works']:>10} {rate:>9.0f} {cpu:>10.0f} {imp['cpu_main'] / imp['works'] * 1e6:>6.0f} "
              f"{imp['rss_main'] / 2**20:>8.0f}M "
              f"{imp['rss_worker'] / 2**20:>7.0f}M {per_record:>6.0f} {p50:>7.2f} {p95:>7.2f} {cpu95:>7.2f} "
              f"{n_refs / took:>7.0f} {s['precision']:>6.4f} {s['recall']:>6.4f}"
              f"   (load {imp['load'][0]:.1f} → {imp['load'][1]:.1f} over the import)", flush=True)
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; bench peak RSS {peak:.0f} MB)")


if __name__ == "__main__":
    main()
