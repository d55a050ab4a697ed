"""Never lose a reference: a list whose numbering breaks still gives one item per reference.

Each test breaks a clean 30-item list from the corpus in one way and checks that every reference
comes back on its own (none folded into another) and that the break is an article warning.
"""

from __future__ import annotations

import json

import pytest
from support.paths import CORPUS

from refkit.parse import parse_article

STYLES = ("{n}. {t}", "[{n}] {t}", "({n}) {t}", "{n}) {t}", "{n}\t{t}")


def _refs(count: int = 30) -> list[str]:
    with (CORPUS / "refs.jsonl").open(encoding="utf-8") as fh:
        raws = [" ".join(json.loads(line)["raw"].split()) for _, line in zip(range(count), fh, strict=False)]
    return raws


REFS = _refs()


def _page(lines: list[str]) -> str:
    return "Case report\n\nA patient.\n\nReferences\n" + "\n".join(lines) + "\n\nAbout this article\n"


def _numbered(style: str, numbers: list[int]) -> list[str]:
    return [style.format(n=n, t=t) for n, t in zip(numbers, REFS, strict=True)]


def _check(lines: list[str], numbers: list[int]) -> list[str]:
    article = parse_article(_page(lines))
    assert [r.n for r in article.references] == numbers
    # each reference is its own: it starts with its own text and holds no other reference's
    for ref, text in zip(article.references, REFS, strict=True):
        assert ref.raw.startswith(text[:40])
        assert len(ref.raw) < len(text) + 40
    return article.warnings


@pytest.mark.parametrize("style", STYLES)
def test_a_clean_list_gives_no_numbering_warning(style):
    numbers = list(range(1, 31))
    assert not [w for w in _check(_numbered(style, numbers), numbers) if "number" in w]


@pytest.mark.parametrize("style", STYLES)
def test_a_stray_second_number_is_dropped(style):
    numbers = list(range(1, 31))
    lines = _numbered(style, numbers)
    lines[13] = style.format(n=14, t="18. " + REFS[13])  # "14\t18. Smith J…", a PDF's own number kept
    warnings = _check(lines, numbers)
    assert any("second number '18.'" in w for w in warnings)


@pytest.mark.parametrize("style", STYLES)
def test_a_tab_number_inside_another_numbering(style):
    numbers = list(range(1, 31))
    lines = _numbered(style, numbers)
    lines[13] = "14\t18. " + REFS[13]
    _check(lines, numbers)


@pytest.mark.parametrize("style", STYLES)
def test_a_repeated_number(style):
    numbers = list(range(1, 31))
    numbers[10] = 10
    warnings = _check(_numbered(style, numbers), numbers)
    assert "reference number 10 repeated" in warnings


@pytest.mark.parametrize("style", STYLES)
def test_skipped_numbers(style):
    numbers = [n if n <= 12 else n + 10 for n in range(1, 31)]
    warnings = _check(_numbered(style, numbers), numbers)
    assert "reference numbering jumps from 12 to 23" in warnings


@pytest.mark.parametrize("style", STYLES)
def test_numbers_out_of_order(style):
    numbers = list(range(1, 31))
    numbers[11], numbers[12] = numbers[12], numbers[11]
    warnings = _check(_numbered(style, numbers), numbers)
    assert "reference numbering goes back from 13 to 12" in warnings


@pytest.mark.parametrize("style", STYLES)
def test_a_wrong_number_from_a_pdf(style):
    numbers = list(range(1, 31))
    numbers[14] = 51
    warnings = _check(_numbered(style, numbers), numbers)
    assert "reference numbering jumps from 14 to 51" in warnings


@pytest.mark.parametrize("style", STYLES)
def test_a_stray_number_line_is_not_a_reference(style):
    numbers = list(range(1, 31))
    lines = _numbered(style, numbers)
    lines.insert(15, "217")  # a page number the PDF put between two references
    _check(lines, numbers)


def test_a_year_opening_a_wrapped_line_is_not_a_number():
    lines = ["(1) " + REFS[0], "(2) Agrawal D, Chen T, Irby R, et al.",
             "(2003). Osteopontin identified as a colon cancer progression marker. C R Biol, 326, 1041-3.",
             "(3) " + REFS[2]]
    article = parse_article(_page(lines))
    assert [r.n for r in article.references] == [1, 2, 3]
    assert "(2003). Osteopontin" in article.references[1].raw
