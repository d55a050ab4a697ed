"""Export the corpus references in every format and count what the real clients complain about.

    .venv/bin/python bench/score_export.py [--limit N]

The 3,788 corpus strings go through the parser; every other one gets its catalog record as a
confident match. biber (--tool --validate-datamodel) and bibtex (plain.bst) check the BibTeX in
UTF-8 and --ascii; rispy reads the RIS back; the CSL-JSON is validated against the schema.
Target: no problem anywhere. It also prints how often the exported journal name is the gold
NLM abbreviation, for entries with and without a canonical record.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import _paths  # noqa: F401  (puts tests/ on sys.path for support.*)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.export import corpus_golds, corpus_references, export_report, journal_agreement  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N corpus strings")
    args = parser.parse_args()
    start = time.perf_counter()
    references = corpus_references(args.limit)
    matched = sum(1 for r in references if r.work is not None)
    report = export_report(references)
    print(f"references: {report['references']} ({matched} with a canonical record)")
    for key, value in report.items():
        if key == "references":
            continue
        if isinstance(value, list):
            print(f"{key:14s} {len(value)} problem(s)")
            for line in value[:10]:
                print(f"    {line}")
        elif value is None:
            print(f"{key:14s} (client not installed)")
        else:
            print(f"{key:14s} {value}")
    golds = corpus_golds(args.limit)
    half = len(references) // 2  # the second half was not looked at while writing the journal rule
    for name, part in (("dev (first half)", slice(0, half)), ("held-out (second half)", slice(half, None))):
        agreement = journal_agreement(references[part], golds[part])
        print(f"journal = gold NLM abbreviation, {name}: verified {agreement['verified']}, "
              f"unverified {agreement['unverified']}; title cased as cited {agreement['title_case']}")
        for line in agreement["misses"][:5]:
            print(f"    {line}")
    print(f"time: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
