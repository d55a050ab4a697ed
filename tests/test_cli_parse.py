"""`refkit parse`: JSON and table output, stdin, and one clear error line for every kind of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from refkit.cli import main
from refkit.model import Author

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "jkra-16-301.txt"
GOLD = json.loads((ROOT / "seeds" / "jkra-16-301.gold.json").read_text(encoding="utf-8"))
JATS = ROOT / "tests" / "data" / "jats"
GOOD = b"References\n1. Dalakas MC, Hohlfeld R. Polymyositis and dermatomyositis. Lancet. 2003; 362:971-82.\n"


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["parse", *args], input=input)


def test_json_output_matches_the_seed_gold():
    result = run(str(SEED), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"] == str(SEED)
    for key in ("title", "journal", "volume", "issue", "first_page"):
        assert data["article"][key] == GOLD["article"][key]
    assert [a["family"] for a in data["article"]["authors"]] == GOLD["article"]["authors"]
    assert len(data["references"]) == len(GOLD["references"]) == 13
    for ref, gold in zip(data["references"], GOLD["references"], strict=True):
        for key in ("n", "raw", "et_al", "title", "journal", "year", "volume", "issue", "first_page",
                    "last_page", "doi", "pmid", "links"):
            assert ref[key] == gold[key], (gold["n"], key)
        want = [Author.from_dict(a) for a in gold["authors"]]
        assert ref["authors"] == [{"family": a.family, "given": a.given} for a in want]


def test_table_output_is_the_default():
    result = run(str(SEED))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "A Case of Resistant Polymyositis" in out and "13 references" in out
    assert "Dalakas" in out and "971-982" in out and "crossref" in out
    assert not out.lstrip().startswith("{")


def test_stdin_text_and_stdin_xml():
    result = run("-", "-f", "json", input=GOOD)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"] == "-"
    assert data["references"][0]["raw"].startswith("Dalakas MC")
    xml = (JATS / "case-report.xml").read_bytes()
    result = run("-", "-f", "json", input=xml)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["references"]) == 4


def test_xml_file_goes_to_the_jats_reader():
    result = run(str(JATS / "case-report.xml"), "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["article"]["doi"] == "10.4078/jkra.2009.16.4.301"


def test_utf8_with_bom_and_utf16_are_read():
    for data in (b"\xef\xbb\xbf" + GOOD, GOOD.decode().encode("utf-16")):
        result = run("-", "-f", "json", input=data)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["references"][0]["n"] == 1


def _bad_inputs(tmp: Path) -> dict[str, tuple[str, str]]:
    """name → (path, expected message part)."""
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "blank.txt").write_bytes(b" \n\n\t\n")
    (tmp / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (tmp / "controls.txt").write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 100 + GOOD)
    (tmp / "latin1.txt").write_bytes(GOOD.replace(b"Dalakas", "Dalakás".encode("latin-1")))
    (tmp / "norefs.txt").write_text("Case report\n\nAbstract\nA patient with myositis.\n", encoding="utf-8")
    (tmp / "longline.txt").write_bytes(b"a" * (10 * 1024 * 1024))
    (tmp / "adir").mkdir()
    return {
        "missing": (str(tmp / "nope.txt"), "no such file"),
        "directory": (str(tmp / "adir"), "is a directory"),
        "empty": (str(tmp / "empty.txt"), "is empty"),
        "blank": (str(tmp / "blank.txt"), "is empty"),
        "binary": (str(tmp / "binary.txt"), "binary file"),
        "controls": (str(tmp / "controls.txt"), "binary file"),
        "invalid utf-8": (str(tmp / "latin1.txt"), "not valid UTF-8 (byte 0xe1 at offset"),
        "no references": (str(tmp / "norefs.txt"), "no reference section found in"),
        "10 MB line": (str(tmp / "longline.txt"), "(line 1 skipped: 10,485,760 characters long)"),
        "malformed xml": (str(JATS / "malformed.xml"), "is malformed XML"),
        "xml entities": (str(JATS / "entities.xml"), "refusing to expand"),
    }


@pytest.mark.parametrize("case", [
    "missing", "directory", "empty", "blank", "binary", "controls", "invalid utf-8", "no references",
    "10 MB line", "malformed xml", "xml entities",
])
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, case):
    path, message = _bad_inputs(tmp_path)[case]
    result = run(path)
    assert result.exit_code == 2
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if line.startswith("refkit: error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_empty_stdin_is_an_error():
    result = run("-", input=b"")
    assert result.exit_code == 2
    assert "refkit: error: - is empty" in result.stderr


def test_real_process_reports_bad_input_without_traceback(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa not text \x00\x01")
    for args in ([str(bad)], [str(tmp_path / "missing.txt")], [str(JATS / "malformed.xml")]):
        proc = subprocess.run([sys.executable, "-m", "refkit.cli", "parse", *args], capture_output=True,
                              text=True, cwd=ROOT, timeout=120)
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr.startswith("refkit: error: ") and proc.stderr.count("\n") == 1
        assert "Traceback" not in proc.stderr


def test_real_process_parses_the_seed(tmp_path):
    command = [sys.executable, "-m", "refkit.cli", "parse", "seeds/jkra-16-301.txt", "--format", "json"]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [r["n"] for r in json.loads(proc.stdout)["references"]] == list(range(1, 14))
