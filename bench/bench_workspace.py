"""A workspace of many case reports in one run: is the cost per article flat?

Copies the 40 corpus pages under new names until there are N article files, imports the corpus
catalog, resolves them all offline in one ``Workspace.resolve_files`` call (what ``refkit resolve
DIR`` does), and prints the time of the first and last 100 articles, references/s, the evidence
store's size, and the time of a rerun (which must skip every article).

With ``--concurrent``, the articles are split in two folders resolved by two ``refkit resolve``
processes at once in one workspace, and the evidence store must hold every article.

Usage: python bench/bench_workspace.py [--articles 1000] [--concurrent]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.paths import CORPUS

from refkit.settings import Settings
from refkit.workspace import Workspace


class Timer:
    """A RunProgress that notes when each article starts."""

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.references = 0

    def start(self, files: int) -> None:
        self.t0 = time.perf_counter()

    def file(self, index: int, name: str, references: int) -> None:
        self.starts.append(time.perf_counter())
        self.references += references

    def reference(self) -> None:
        pass

    def finish(self) -> None:
        self.starts.append(time.perf_counter())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--concurrent", action="store_true", help="two processes at once, half the articles each")
    args = ap.parse_args()
    if args.concurrent:
        concurrent(args.articles)
        return
    pages = sorted((CORPUS / "pages").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inputs = root / "articles"
        inputs.mkdir()
        files = []
        for i in range(args.articles):
            target = inputs / f"case-{i:05d}.txt"
            shutil.copy(pages[i % len(pages)], target)
            files.append(str(target))
        settings = Settings(offline=True, cache_dir=root / "cache", refs_dir=root / "refs")
        with Workspace(settings) as workspace:
            workspace.catalog.import_file(CORPUS / "catalog.jsonl")
            timer = Timer()
            t0 = time.perf_counter()
            summary = workspace.resolve_files(files, progress=timer)
            total = time.perf_counter() - t0
        assert not summary.failures, summary.failures[:3]
        per = [b - a for a, b in zip(timer.starts, timer.starts[1:], strict=False)]
        window = min(100, len(per) // 2) or 1
        first, last = sum(per[:window]), sum(per[-window:])
        print(
            f"articles {args.articles}  references {timer.references}  total {total:.1f} s  "
            f"{timer.references / total:.0f} references/s"
        )
        print(
            f"first {window} articles {first:.2f} s, last {window} {last:.2f} s, ratio {last / first:.2f} "
            f"(must be ≤ 1.2)"
        )
        store = root / "refs" / "refkit.sqlite"
        print(
            f"evidence store {store.stat().st_size / 1e6:.1f} MB; graph.json "
            f"{(root / 'refs' / 'graph.json').stat().st_size / 1e6:.1f} MB (exported once)"
        )
        with Workspace(settings) as workspace:
            t0 = time.perf_counter()
            again = workspace.resolve_files(files)
            rerun = time.perf_counter() - t0
        skipped = sum(o.skipped for o in again.outcomes)
        print(f"rerun: {skipped}/{len(files)} skipped in {rerun:.1f} s (must be < 10 s)")


def concurrent(articles: int) -> None:
    import os
    import subprocess
    import sys

    from refkit.graph import GraphStore

    pages = sorted((CORPUS / "pages").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for half in ("a", "b"):
            (root / half).mkdir()
        for i in range(articles):
            shutil.copy(pages[i % len(pages)], root / ("a" if i % 2 else "b") / f"case-{i:05d}.txt")
        env = dict(os.environ, REFKIT_CACHE_DIR=str(root / "cache"))
        subprocess.run(
            [sys.executable, "-m", "refkit.cli", "catalog", "import", str(CORPUS / "catalog.jsonl")],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )
        t0 = time.perf_counter()
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "refkit.cli", "resolve", "--offline", "-f", "jsonl", half],
                cwd=root,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for half in ("a", "b")
        ]
        codes = [run.wait() for run in runs]
        seconds = time.perf_counter() - t0
        stored = len(GraphStore(root / "refs").articles())
        outputs = len([p for p in (root / "refs").glob("case-*.json")])
        print(
            f"two runs at once: exit {codes}, {seconds:.1f} s; evidence store {stored}/{articles} articles, "
            f"{outputs} outputs (must be {articles})"
        )


if __name__ == "__main__":
    main()
