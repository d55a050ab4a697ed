"""Bench scripts share the test suite's scoring code (tests/support): put tests/ on sys.path."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
