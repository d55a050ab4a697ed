"""Train the reference CRF (refkit/parse/data/reference_crf.bin) from labelled strings in the repo.

Training strings: ``tests/data/corpus/styles/train.jsonl`` (catalog records rendered by citeproc-js in
the 40 development styles, ``scripts/render_styles.py``, with the held-out sets' works left out) and
``tests/data/corpus/refs.jsonl`` (PMC strings). Each string is labelled token by token by finding its
gold fields in it (title, journal or its abbreviation, year, volume, issue, pages; the authors are
what comes before the first of them); a string whose printed title cannot be found is skipped.

The held-out style sets (``heldout.jsonl``, ``heldout2.jsonl``) are never trained on: they measure
the model on styles it has not seen (``bench/score_styles.py --crf``).

Usage: python scripts/train_crf.py [--iterations 60] [--out refkit/parse/data/reference_crf.bin]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pycrfsuite  # noqa: E402  (a development tool here; refkit loads it only to tag)

from refkit.parse.crf import MODEL, token_features, tokenize  # noqa: E402
from refkit.parse.reference import join_lines  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "corpus"
SOURCES = (CORPUS / "styles" / "train.jsonl", CORPUS / "refs.jsonl")


def _find(text: str, value: str | None, after: int = 0) -> tuple[int, int] | None:
    """The span of ``value`` in ``text`` at or after ``after``, case-blind, as a whole token run."""
    if not value:
        return None
    pattern = r"(?<!\w)" + r"\s*".join(re.escape(w) for w in value.split()) + r"(?!\w)"
    m = re.compile(pattern, re.IGNORECASE).search(text, after)
    return (m.start(), m.end()) if m else None


_TITLE_REST = re.compile(r"[^.?!\"”’]{0,60}?(?=[.?!\"”’](?:\s|$))")


def spans(text: str, gold: dict[str, Any]) -> dict[str, tuple[int, int]] | None:
    """Where each gold field is printed in ``text``; None when the string cannot be labelled."""
    found: dict[str, tuple[int, int]] = {}
    title = _find(text, gold.get("title"))
    if gold.get("title") and title is None and "styles" not in str(gold.get("_source")):
        return None
    if title:
        # Records lose words set in italics ("… in dog" for "… in dog osteotomies"); the printed
        # title runs on to its sentence end, and the labels must say so.
        rest = _TITLE_REST.match(text, title[1])
        if rest and rest.end() > title[1] and not any(c.isdigit() for c in rest.group()):
            title = (title[0], rest.end())
        found["TITLE"] = title
    after = title[1] if title else 0
    journal = None
    for key in ("journal", "journal_abbrev"):
        journal = journal or _find(text, gold.get(key), after)
    if journal:
        found["JOURNAL"] = journal
        after = max(after, journal[1])
    volume = _find(text, str(gold["volume"]) if gold.get("volume") else None, after)
    if volume:
        found["VOLUME"] = volume
        after = volume[1]
    if gold.get("issue"):
        issue = _find(text, str(gold["issue"]), after)
        if issue:
            found["ISSUE"] = issue
            after = issue[1]
    first = _find(text, str(gold["first_page"]) if gold.get("first_page") else None, after)
    if first:
        end = first[1]
        m = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*[A-Za-z]?\d+").match(text, end)
        found["PAGES"] = (first[0], m.end() if m else end)
    if gold.get("year"):
        for m in re.finditer(rf"(?<!\d){gold['year']}(?!\d)", text):
            if not any(s <= m.start() < e for s, e in found.values()):
                found.setdefault("YEAR", (m.start(), m.end()))
                break
    starts = [s for s, _ in found.values()]
    if not starts:
        return None
    head = min(starts)
    if head > 0 and gold.get("first_author") and gold["first_author"].lower() in text[:head].lower():
        found["AUTHOR"] = (0, head)
    return found


def labelled(text: str, gold: dict[str, Any]) -> tuple[list[list[str]], list[str]] | None:
    where = spans(text, gold)
    if where is None:
        return None
    tokens = tokenize(text)
    labels = []
    for _, start, _ in tokens:
        label = next((name for name, (s, e) in where.items() if s <= start < e), "O")
        labels.append(label)
    return token_features(tokens, text), labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=60)
    ap.add_argument("--out", type=Path, default=MODEL)
    args = ap.parse_args()
    trainer = pycrfsuite.Trainer(verbose=False)
    used = skipped = 0
    for source in SOURCES:
        for line in source.open(encoding="utf-8"):
            record = json.loads(line)
            text = join_lines(record["raw"])
            gold = dict(record["gold"], _source=str(source))
            example = labelled(text, gold)
            if example is None:
                skipped += 1
                continue
            trainer.append(*example)
            used += 1
    trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": args.iterations,
                        "feature.possible_transitions": True, "feature.minfreq": 2})
    t0 = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(args.out))
    size = args.out.stat().st_size
    print(f"{used} strings labelled ({skipped} skipped); trained in {time.perf_counter() - t0:.0f} s; "
          f"{args.out} {size / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
