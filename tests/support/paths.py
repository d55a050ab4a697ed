"""Where the test data lives (tests/data), for tests and bench scripts alike."""

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
DATA = TESTS / "data"
CORPUS = DATA / "corpus"
