"""Faults and two runs at once: refkit processes started at the same instant on nothing built yet.

    python bench/bench_concurrency.py [--reps 3] [--kills 2] [--only NAME ...]

Every repetition starts from a completely fresh root: an empty ``REFKIT_CACHE_DIR`` (catalog,
response cache, pacing gate), an empty vocabulary cache (``REFKIT_VOCAB_CACHE``: the drug-NER
index, the UNII names table and the UNII → MeSH bridge, built on first use) and no ``refs/``.
The processes of a combination import refkit first, then wait on a barrier file, so their first
real step (opening the caches) happens at the same moment.

Combinations:

- ``resolve2``: ``resolve --offline`` of two folders of different articles into one workspace
  (one folder carries work records beside its article: the catalog is built on the fly);
- ``resolve-therapies-query``: ``resolve --offline`` + ``therapies`` + ``query`` at once;
- ``import2``: ``catalog import`` of two folders (disjoint halves of a catalog) into one catalog;
- ``resolve-import``: ``resolve --offline`` while a ``catalog import`` runs;
- ``online2``: two ``resolve`` against a loopback Crossref server (response cache, pacing gate).

Checked after each: exit codes, any "Traceback", any warning about damage (damaged / corrupt /
set aside / rebuilt / unusable / kept as ...) when nothing was damaged, the articles of the
evidence store and the ``refs/*.json`` outputs (each must be whole JSON) against what was asked,
the catalog's works against the records imported, every vocabulary cache file readable.

``--kills``: per combination, that many more repetitions in which one process is killed with
SIGKILL at a random moment; the survivors must still succeed, and a rerun of the killed command
must then succeed with everything whole and complete.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.crossref_server import CrossrefServer
from support.paths import CORPUS, ROOT

SEEDS = ROOT / "seeds"
SEED = "jkra-16-301"
PAGES = sorted((CORPUS / "pages").glob("*.txt"))
RUN_TIMEOUT = 300.0  # a run of these inputs takes seconds: one still going after this is stuck
# Words that say a file was found damaged, set aside or rebuilt. On a fresh root none may appear.
DAMAGE_WORDS = re.compile(r"damaged|corrupt|malformed|set aside|kept as|rebuilt|unusable|not a database|"
                          r"kept for this run only|paces itself alone|locked", re.I)

# Imports refkit, says it is ready, waits for the barrier, then runs the command line given.
_LAUNCHER = """
import os, sys, time
from refkit.cli import main
import refkit.therapies.vocabulary, refkit.resolve.catalog, refkit.graph.store  # noqa: F401
ready, go = sys.argv[1], sys.argv[2]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
sys.argv = ["refkit", *sys.argv[3:]]
main()
"""


@dataclass
class Run:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    code: int | None = None
    stderr: str = ""
    killed: bool = False
    orphans: bool = False  # killed, it left processes of its own running
    hung: bool = False


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _env(root: Path, server_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ, REFKIT_CACHE_DIR=str(root / "cache"), REFKIT_VOCAB_CACHE=str(root / "vocab"),
               XDG_CACHE_HOME=str(root / "xdg"), PYTHONUNBUFFERED="1")
    env.pop("REFKIT_CROSSREF_URL", None)
    if server_url:
        env.update(REFKIT_CROSSREF_URL=server_url, REFKIT_MAILTO="bench@example.org")
    return env


def _start(root: Path, runs: list[Run], env: dict[str, str]) -> float:
    go = root / ".go"
    for i, run in enumerate(runs):
        ready = root / f".ready-{i}"
        # Each in a session of its own: what it leaves running after a kill -9 can be found.
        run.proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(ready), str(go), *run.argv],
                                    cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True, start_new_session=True)
    while not all((root / f".ready-{i}").exists() for i in range(len(runs))):
        if any(r.proc is not None and r.proc.poll() is not None for r in runs):
            break
        time.sleep(0.005)
    go.touch()
    return time.monotonic()


def _wait(runs: list[Run], kill_after: float | None, started: float) -> None:
    victim = random.choice(runs) if kill_after is not None else None
    if victim is not None and kill_after is not None:
        assert victim.proc is not None
        while time.monotonic() - started < kill_after and victim.proc.poll() is None:
            time.sleep(0.005)
        if victim.proc.poll() is None:
            victim.proc.send_signal(signal.SIGKILL)
            victim.killed = True
            victim.proc.wait()
            victim.orphans = _session_left(victim.proc.pid, grace=10.0)
    for run in runs:
        assert run.proc is not None
        try:
            _, run.stderr = run.proc.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            run.hung = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.proc.pid, signal.SIGKILL)
            _, run.stderr = run.proc.communicate()
        run.code = run.proc.returncode


def _session_left(session: int, grace: float) -> bool:
    """Whether processes of ``session`` still run ``grace`` seconds after its leader died (they are
    then killed, so the next repetition starts clean)."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(session, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(session, signal.SIGKILL)
    return True


def _judge(runs: list[Run], outcome: Outcome, allowed_errors: dict[str, re.Pattern[str]]) -> None:
    for run in runs:
        if run.orphans:
            outcome.failures.append(f"{run.name}: killed, but left processes running")
        if run.hung:
            outcome.failures.append(f"{run.name}: still running after {RUN_TIMEOUT:.0f} s")
        if run.killed:
            continue
        if "Traceback" in run.stderr:
            tail = run.stderr.strip().splitlines()[-1]
            outcome.failures.append(f"{run.name}: traceback ({tail})")
        elif run.code != 0:
            last = (run.stderr.strip().splitlines() or ["(no message)"])[-1]
            allowed = allowed_errors.get(run.name)
            if not (allowed and allowed.search(last)):
                outcome.failures.append(f"{run.name}: exit {run.code}: {last[:160]}")
        for line in run.stderr.splitlines():
            if DAMAGE_WORDS.search(line):
                outcome.failures.append(f"{run.name}: warning on a fresh root: {line.strip()[:160]}")


def _whole_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
        return True
    except (OSError, ValueError):
        return False


def _check_workspace(root: Path, stems: set[str], outcome: Outcome) -> None:
    refs = root / "refs"
    store = refs / "refkit.sqlite"
    if stems:
        try:
            db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
            held = {r[0] for r in db.execute("SELECT stem FROM articles")}
            db.close()
        except sqlite3.Error as err:
            outcome.failures.append(f"evidence store unreadable: {err}")
            held = set()
        if missing := stems - held:
            outcome.failures.append(f"evidence store lacks {len(missing)}/{len(stems)} articles")
    for stem in stems:
        out = refs / f"{stem}.json"
        if not out.exists():
            outcome.failures.append(f"no output {out.name}")
        elif not _whole_json(out):
            outcome.failures.append(f"output {out.name} not whole")
    graph = refs / "graph.json"
    if stems and graph.exists() and not _whole_json(graph):
        outcome.failures.append("graph.json not whole")
    for aside in sorted(p.name for d in (refs, root / "cache") if d.is_dir() for p in d.iterdir()
                        if re.search(r"\.(corrupt|old|damaged)-", p.name)):
        outcome.failures.append(f"set aside on a fresh root: {aside}")


def _check_vocabulary(root: Path, outcome: Outcome) -> None:
    for path in sorted((root / "vocab" / "refkit").glob("*.sqlite")):
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
            verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
            db.close()
        except sqlite3.Error as err:
            verdict = str(err)
        if verdict != "ok":
            outcome.failures.append(f"vocabulary table {path.name}: {verdict}")
    leftovers = list((root / "vocab" / "refkit").glob(".*.tmp")) if (root / "vocab").exists() else []
    if leftovers:
        outcome.failures.append(f"{len(leftovers)} temporary vocabulary file(s) left behind")


def _catalog_works(root: Path) -> int | None:
    try:
        db = sqlite3.connect(f"file:{root / 'cache' / 'catalog.sqlite'}?mode=ro", uri=True)
        n = db.execute("SELECT count(*) FROM works").fetchone()[0]
        db.close()
        return int(n)
    except sqlite3.Error:
        return None


# --- the combinations: each lays out its inputs, names its runs and what must be there after ----
def _articles(root: Path, folder: str, pages: list[Path], seed: bool = False) -> set[str]:
    d = root / folder
    d.mkdir()
    stems = set()
    for page in pages:
        target = d / f"{folder}-{page.stem}.txt"
        target.write_bytes(page.read_bytes())
        stems.add(target.stem)
    if seed:
        for suffix in (".txt", ".works.jsonl"):
            (d / f"{SEED}{suffix}").write_bytes((SEEDS / f"{SEED}{suffix}").read_bytes())
        stems.add(SEED)
    return stems


def _catalog_halves(root: Path) -> int:
    lines = [ln for ln in (CORPUS / "catalog.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    dois = set()
    for half in ("cat-a", "cat-b"):
        (root / half).mkdir()
    for i in range(0, len(lines), 500):
        chunk = lines[i:i + 500]
        half = "cat-a" if (i // 500) % 2 == 0 else "cat-b"
        (root / half / f"part-{i:05d}.jsonl").write_text("\n".join(chunk) + "\n", encoding="utf-8")
        dois.update(json.loads(ln)["DOI"].lower() for ln in chunk)
    return len(dois)


_NO_GRAPH = re.compile(r"no evidence graph|no therapy .* in the evidence graph")


def combo(name: str, root: Path, server_url: str | None) -> tuple[list[Run], dict, set[str], int | None]:
    """The runs of combination ``name``, the errors each may end with, the article stems and catalog
    works that must be there after."""
    fmt = ["-f", "jsonl"]
    if name == "resolve2":
        stems = _articles(root, "a", PAGES[0:3], seed=True) | _articles(root, "b", PAGES[3:6])
        runs = [Run("resolve-a", ["resolve", "--offline", *fmt, "a"]),
                Run("resolve-b", ["resolve", "--offline", *fmt, "b"])]
        return runs, {}, stems, None
    if name == "resolve-therapies-query":
        stems = _articles(root, "a", [], seed=True)
        runs = [Run("resolve", ["resolve", "--offline", *fmt, "a"]),
                Run("therapies", ["therapies", "-f", "json", f"a/{SEED}.txt"]),
                Run("query", ["query", "tacrolimus"])]
        return runs, {"query": _NO_GRAPH}, stems, None
    if name == "import2":
        works = _catalog_halves(root)
        runs = [Run("import-a", ["catalog", "import", "cat-a"]),
                Run("import-b", ["catalog", "import", "cat-b"])]
        return runs, {}, set(), works
    if name == "resolve-import":
        _catalog_halves(root)
        stems = _articles(root, "a", PAGES[0:4], seed=True)
        runs = [Run("import", ["catalog", "import", "cat-a"]),
                Run("resolve", ["resolve", "--offline", *fmt, "a"])]
        return runs, {}, stems, None
    if name == "online2":
        stems = _articles(root, "a", PAGES[0:2]) | _articles(root, "b", PAGES[2:4])
        runs = [Run("resolve-a", ["resolve", "--no-pubmed", *fmt, "a"]),
                Run("resolve-b", ["resolve", "--no-pubmed", *fmt, "b"])]
        return runs, {}, stems, None
    raise SystemExit(f"unknown combination {name}")


COMBOS = ["resolve2", "resolve-therapies-query", "import2", "resolve-import", "online2"]


def repetition(name: str, kill_after: float | None, server_url: str | None) -> Outcome:
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="refkit-conc-") as tmp:
        root = Path(tmp)
        runs, allowed, stems, works = combo(name, root, server_url)
        env = _env(root, server_url)
        t0 = _start(root, runs, env)
        _wait(runs, kill_after, t0)
        outcome.seconds = time.monotonic() - t0
        _judge(runs, outcome, allowed)
        killed = [r for r in runs if r.killed]
        if killed:  # the rerun of the killed command must finish the work, with nothing damaged
            again = [Run(f"{r.name} (rerun)", r.argv) for r in killed]
            _wait_rerun(root, again, env)
            _judge(again, outcome, allowed)
        _check_workspace(root, stems, outcome)
        _check_vocabulary(root, outcome)
        if works is not None and (held := _catalog_works(root)) != works:
            outcome.failures.append(f"catalog holds {held} works of {works} imported")
    return outcome


def _wait_rerun(root: Path, runs: list[Run], env: dict[str, str]) -> None:
    for run in runs:
        done = subprocess.run([sys.executable, "-m", "refkit.cli", *run.argv], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)
        run.code, run.stderr = done.returncode, done.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3, help="clean repetitions per combination")
    ap.add_argument("--kills", type=int, default=2, help="repetitions per combination with one kill -9")
    ap.add_argument("--only", nargs="*", default=COMBOS, choices=COMBOS)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    random.seed(args.seed)
    records = [json.loads(ln) for ln in (CORPUS / "catalog.jsonl").read_text(encoding="utf-8").splitlines()
               if ln.strip()]
    total_failed = total_reps = 0
    with CrossrefServer(records, rate_limit=(50, "1s"), concurrency=3) as server:
        for name in args.only:
            url = server.url if name == "online2" else None
            durations: list[float] = []
            for kind, count in (("clean", args.reps), ("kill -9", args.kills)):
                failed = 0
                for rep in range(count):
                    kill_after = None
                    if kind == "kill -9":  # a random moment within a clean run's length
                        kill_after = random.uniform(0.0, max(durations or [10.0]))
                    outcome = repetition(name, kill_after, url)
                    if kind == "clean":
                        durations.append(outcome.seconds)
                    total_reps += 1
                    if outcome.failures:
                        failed += 1
                        total_failed += 1
                        when = f" (killed at {kill_after:.1f} s)" if kill_after is not None else ""
                        print(f"  {name} {kind} #{rep + 1}{when}: " + "; ".join(outcome.failures[:4]),
                              flush=True)
                if count:
                    print(f"{name:26s} {kind:8s} {count - failed}/{count} ok", flush=True)
    print(f"total: {total_reps - total_failed}/{total_reps} repetitions ok, {total_failed} with failures")


if __name__ == "__main__":
    main()
