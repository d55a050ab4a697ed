"""refkit.pages: the short road for plain "digits-digits" ranges gives what the general one gives."""

from __future__ import annotations

import json
import random
from pathlib import Path

from refkit.pages import _split_general, split_page_range
from refkit.text import DASHES

CORPUS = Path(__file__).parent / "data" / "corpus"


def test_digit_ranges_as_the_general_split_reads_them() -> None:
    rng = random.Random(3)
    samples = [f"{a}-{b}" for a in ("1", "9", "12", "99", "971", "1000", "0975", "12345") for b in
               ("0", "2", "07", "82", "99", "982", "975", "1001", "0980", "12400", "9", "00")]
    samples += [f"{rng.randint(1, 20000)}-{rng.randint(0, 20000)}" for _ in range(3000)]
    samples += ["12-", "-12", "12--15", "12 - 15", "S12-19", "e101-9", "12-15, 18", "\u00b2-3", "7-\u0663"]
    for line in (CORPUS / "catalog.jsonl").read_text("utf-8").splitlines():
        page = json.loads(line).get("page")
        if isinstance(page, str):
            samples.append(page)
    for s in samples:
        assert split_page_range(s) == _split_general(s.translate(DASHES).strip()), s
    assert split_page_range("971-82") == ("971", "982")
    assert split_page_range("975-2") == ("975", "2")
