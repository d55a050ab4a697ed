"""Score parse_reference on the external hand-annotated set (tests/data/corpus/external.jsonl).

133 references of real papers from many fields (physics, chemistry, computer science, mathematics,
statistics, medicine, biology, psychology, economics, philosophy, history, …), written as their
journals print them (APS, AIP, ACS, RSC, Nature, Science, IEEE, ACM, AMS, Springer, Elsevier,
Vancouver, AMA, Lancet, BMJ, Cell, APA, Harvard, Chicago, MLA, German and French journals),
books and chapters among them, annotated by hand with the gold fields of ``refs.jsonl``. The parser
was never tuned on it. Scored with the rules of ``bench/score_styles.py`` (journal right when it
equals the printed or the other form of the name; a null gold field is not scored), overall, by
print style, by field of study and for journal articles alone.

Usage: python bench/score_external.py [PATH.jsonl] [--misses]
(``external2.jsonl``, 128 more references written the same way, is the held-out one.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)
from support.paths import CORPUS
from support.styles import ALL, FIELDS, StyleScores, load_styles, score_styles

EXTERNAL = CORPUS / "external.jsonl"


def table(title: str, scores: StyleScores) -> None:
    print(f"\n{title}")
    print(f"{'':<24}" + "".join(f"{name[:8]:>9}" for name in FIELDS + (ALL,)) + f"{'n':>6}")
    rows = sorted(scores.by_style.items(), key=lambda kv: (kv[1][ALL].accuracy, kv[0]))
    for name, per in rows + [("OVERALL", scores.overall)]:
        cells = "".join(f"{per[f].accuracy:>9.3f}" if per[f].total else f"{'-':>9}" for f in FIELDS + (ALL,))
        print(f"{name[:24]:<24}{cells}{per[ALL].total:>6}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", type=Path, default=EXTERNAL)
    ap.add_argument("--misses", action="store_true", help="list every miss")
    args = ap.parse_args()
    records = load_styles(args.path)
    scores = score_styles(records)
    table("by print style", scores)
    table("by field of study", score_styles([{**r, "style": r["field"]} for r in records]))
    table("by kind", score_styles([{**r, "style": r["type"]} for r in records]))
    if args.misses:
        for style, name, got, gold, raw in scores.misses:
            print(f"- [{style}] {name}: got {got!r}, gold {gold!r}\n    {raw}")


if __name__ == "__main__":
    main()
