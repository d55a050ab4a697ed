"""refkit.text: fold's short road for plain ASCII gives what its every step gives."""

from __future__ import annotations

import json
import re
from pathlib import Path

from refkit.text import _fold_general, fold, fold_uncached, strip_accents, strip_markup

CORPUS = Path(__file__).parent / "data" / "corpus"


def _corpus_strings() -> list[str]:
    strings = [json.loads(line)["raw"] for line in (CORPUS / "refs.jsonl").read_text("utf-8").splitlines()]
    for line in (CORPUS / "catalog.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        strings += [str(t) for t in record.get("title") or []]
        strings += [str(a.get("family") or a.get("name") or "") for a in record.get("author") or []]
        strings += [str(record.get(k) or "") for k in ("volume", "page", "article-number")]
    return strings


def test_fold_ascii_road_equals_every_step_on_the_corpus() -> None:
    strings = _corpus_strings()
    ascii_ones = [s for s in strings if s.isascii() and "&" not in s and "<" not in s]
    assert len(ascii_ones) > 20_000  # the road is taken by most strings an import folds
    assert [fold(s) for s in strings] == [_fold_general(s) for s in strings]
    assert [fold_uncached(s) for s in strings[:3000]] == [fold(s) for s in strings[:3000]]
    # What the catalog's terms rely on: a folded string's words are its split.
    assert all(fold(s).split() == re.findall(r"[^\W_]+", fold(s)) for s in strings)


def test_fold_ascii_road_every_character() -> None:
    # Every ASCII character alone and between letters, hyphenated line ends, underscores.
    samples = [chr(c) for c in range(128)] + [f"a{chr(c)}B" for c in range(128)]
    samples += ["Dermato-\n  myositis", "snake_case  words\t\x1c x", "  ", "", "A.B.C. 12(3):45-67"]
    assert [fold(s) for s in samples] == [_fold_general(s) for s in samples]
    assert fold("Polymyositis and <i>Dermato</i>-myositis.") == "polymyositis and dermato myositis"
    mixed = "Caf&eacute; &amp; b\u00e9ta-cell \u03b2"
    assert fold(mixed) == _fold_general(mixed) == "cafe beta cell beta"


def test_strip_markup_and_accents_as_the_regex_did() -> None:
    strings = _corpus_strings()[:5000] + ["<i>a</i>\u00a0 b\u2003c\n", " x\x1cy\x1f ", "<jats:p>T</jats:p>"]
    assert [strip_markup(s) for s in strings] == [
        re.sub(r"\s+", " ", re.sub(r"</?[a-zA-Z][\w:.-]*(?:\s[^<>]*)?>", "", s)).strip() for s in strings
    ]
    assert strip_accents("Sen\u00e9cal") == "Senecal"
    assert strip_accents("Senecal") == "Senecal"
