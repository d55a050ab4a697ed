"""Speed of ``refkit therapies``: cold start, warm start, no cache, and mentions per second.

    python bench/bench_therapies.py [--repeat N]

* cold start: a new process, an empty vocabulary cache (``REFKIT_VOCAB_CACHE`` = a fresh
  temporary directory), so the drug-NER index and UNII table are built and written;
* warm start: a new process reading that cache (median of N runs);
* no cache: the cache directory cannot be created, so everything is built in memory;
* throughput: in this process, vocabulary loaded, over the BioCreative V CDR abstracts;
* a case report: ``extract_article`` on a web-copied case report with about 30 references
  (``tests/data/corpus/pages``), warm (vocabulary loaded; median of N), the target being < 0.5 s.

Start times are wall-clock for the whole command on a short abstract, interpreter start included.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.therapies import document_text, load_documents

from refkit.therapies import extract_text, therapy_mentions, vocabulary

ROOT = Path(__file__).parent.parent
CDR = ROOT / "tests" / "data" / "cdr" / "development.jsonl"
PAGES = ROOT / "tests" / "data" / "corpus" / "pages"
ABSTRACT = ("Lidocaine toxicity after tumescent liposuction. A woman given lidocaine 35 mg/kg and "
            "epinephrine developed seizures; midazolam and intravenous lipid emulsion were given.")


def run_cli(text_path: Path, cache: Path) -> float:
    env = {**os.environ, "REFKIT_VOCAB_CACHE": str(cache)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "refkit.cli", "therapies", str(text_path), "-f", "json",
                    "--refs-dir", str(text_path.parent / "refs")],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    return time.perf_counter() - started


def throughput(repeat: int) -> tuple[int, int, float]:
    texts = [document_text(doc) for doc in load_documents(CDR)]
    vocabulary().lookup("warm up")  # the vocabulary's load is start-up, not throughput
    therapy_mentions(extract_text(texts[0]))
    started = time.perf_counter()
    mentions = sum(len(therapy_mentions(extract_text(t))) for _ in range(repeat) for t in texts)
    return mentions, sum(map(len, texts)) * repeat, time.perf_counter() - started


def case_report(repeat: int) -> tuple[Path, int, int, list[float]]:
    """Warm extraction times on the page whose reference count is nearest 30."""
    import json

    from refkit.parse import read_article
    from refkit.therapies import extract_article

    pages = sorted(PAGES.glob("*.json"))
    def references(p: Path) -> int:
        return len(json.loads(p.read_text(encoding="utf-8")).get("references") or [])

    page = min(pages, key=lambda p: abs(references(p) - 30))
    article = read_article(page.with_suffix(".txt"))
    extract_article(article)  # warm: vocabulary and tables loaded
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        mentions = extract_article(article)
        times.append(time.perf_counter() - started)
    return page.with_suffix(".txt"), len(article.references), len(mentions), times


def main(argv: list[str]) -> None:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "abstract.txt"
        text.write_text(ABSTRACT, encoding="utf-8")
        cache = Path(tmp) / "cache"
        cold = run_cli(text, cache)
        warm = [run_cli(text, cache) for _ in range(repeat)]
        size = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file())
        (Path(tmp) / "blocker").write_text("", encoding="utf-8")
        uncached = run_cli(text, Path(tmp) / "blocker" / "cache")
    print(f"cold start (empty cache, builds it) {cold:6.2f} s   cache {size / 1e6:.0f} MB")
    print(f"warm start (median of {repeat})         {statistics.median(warm):6.2f} s   "
          f"(min {min(warm):.2f}, max {max(warm):.2f})")
    print(f"no cache (unwritable directory)     {uncached:6.2f} s")
    page, refs, found, times = case_report(repeat)
    print(f"case report {page.name} ({refs} references, {found} mentions), warm: "
          f"{statistics.median(times):.3f} s median (max {max(times):.3f}); target < 0.5 s")
    mentions, chars, took = throughput(repeat)
    print(f"throughput on CDR abstracts         {mentions / took:6.0f} mentions/s   "
          f"{chars / took / 1000:.0f} k chars/s   ({mentions} mentions in {took:.2f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
