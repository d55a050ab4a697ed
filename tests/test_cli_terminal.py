"""What a person sees in a terminal of 80 columns, and what a pipe gets."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOI = re.compile(r"\b10\.\d{4,9}/[^\s│|]+")


def in_terminal(args: list[str], cwd: Path, env: dict[str, str], columns: int = 80) -> str:
    """Run refkit with stdout on a pseudo-terminal ``columns`` wide; its output as text."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "refkit.cli", *args],
        cwd=cwd,
        env=env,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("terminal")
    shutil.copytree(ROOT / "seeds", root / "seeds")
    env = dict(os.environ, PYTHONPATH=str(ROOT), REFKIT_CACHE_DIR=str(root / "cache"))
    env.pop("COLUMNS", None)
    done = subprocess.run(
        [sys.executable, "-m", "refkit.cli", "resolve", "--offline", "seeds/jkra-16-301.txt"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return root, env


COMMANDS = [
    ["resolve", "--offline", "seeds/jkra-16-301.txt"],
    ["parse", "seeds/jkra-16-301.txt"],
    ["therapies", "seeds/jkra-16-301.txt"],
    ["query", "tacrolimus"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_80_columns_fit_and_dois_stay_whole(resolved: tuple[Path, dict[str, str]], args: list[str]) -> None:
    root, env = resolved
    out = in_terminal(args, root, env, columns=80)
    lines = out.splitlines()
    assert lines, out
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    if args[0] in ("resolve", "query"):
        found = set(DOI.findall(out))
        # Every DOI that appears is whole: one of the seed's real DOIs, never a cut-off piece.
        assert "10.1016/S0140-6736(03)14368-1" in found or args[0] == "query"
        assert "10.1080/08916930500124023" in found
        for doi in found:
            assert doi.rstrip(".,:;") in SEED_DOIS, doi


SEED_DOIS = {
    "10.1016/S0140-6736(03)14368-1",
    "10.1056/NEJM197502202920807",
    "10.1056/NEJM197502132920706",
    "10.7326/0003-4819-92-3-365",
    "10.1002/art.10053",
    "10.1093/rheumatology/kel112",
    "10.1080/08916930500124023",
}


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_piped_output_has_no_trailing_spaces(resolved: tuple[Path, dict[str, str]], args: list[str]) -> None:
    root, env = resolved
    done = subprocess.run(
        [sys.executable, "-m", "refkit.cli", *args], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert not [line for line in done.stdout.splitlines() if line != line.rstrip()]


@pytest.mark.parametrize("args", [["--help"], ["catalog", "--help"]])
def test_help_lists_are_never_cut(args: list[str]) -> None:
    from click.testing import CliRunner

    from refkit.cli import main

    result = CliRunner().invoke(main, args, terminal_width=80)
    assert result.exit_code == 0
    commands = result.output.split("Commands:")[1]
    assert "..." not in commands and "…" not in commands
