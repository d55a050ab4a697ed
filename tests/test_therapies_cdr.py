"""BioCreative V CDR scores: the development set (never tuned on) and a held-out fifth of train.

Floors sit just under what ``bench/score_therapies.py`` printed when they were set (development
P 0.917 R 0.894 MeSH 0.897; held-out fifth 0 of train, table built without it, P 0.927 R 0.906
MeSH 0.926). The issue's target is 0.92 for each; these say where the extraction is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.therapies import held_out, load_documents, score_documents

from refkit.therapies import chemical_mentions, extract_text
from refkit.therapies.vocabulary import Vocabulary

ROOT = Path(__file__).parent.parent
CDR = ROOT / "tests" / "data" / "cdr"


def _score(docs, vocab=None):
    def extract(text: str) -> list[dict]:
        return [m.to_dict() for m in chemical_mentions(extract_text(text, vocab))]

    return score_documents(docs, extract)


def test_cdr_development_exact_spans_and_mesh_ids():
    score = _score(load_documents(CDR / "development.jsonl"))
    assert score.precision >= 0.91, score.errors[:30]
    assert score.recall >= 0.885, score.errors[:30]
    assert score.mesh_accuracy >= 0.89


@pytest.fixture(scope="module")
def held_out_table(tmp_path_factory) -> Path:
    table = tmp_path_factory.mktemp("cdr") / "cdr_names.tsv"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_cdr_names.py"), "--hold-out", "0",
                    "--out", str(table)], check=True, capture_output=True)
    return table


def test_cdr_held_out_fifth_of_train_scored_with_a_table_built_without_it(held_out_table):
    docs = [d for d in load_documents(CDR / "train.jsonl") if held_out(d, 0)]
    score = _score(docs, Vocabulary(held_out_table))
    assert len(docs) == 95
    assert score.precision >= 0.92
    assert score.recall >= 0.90
    assert score.mesh_accuracy >= 0.92
    # and the table is what helps: without it the same abstracts score lower
    bare = _score(docs, Vocabulary(lexicon=None))
    assert bare.precision < score.precision and bare.mesh_accuracy < score.mesh_accuracy
