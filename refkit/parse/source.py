"""Reading an input file safely: one clear RefkitError for every kind of unusable input.

Decoding policy: UTF-8 (with or without a byte-order mark), or UTF-16 when the file starts with a
UTF-16 byte-order mark. Anything else is rejected with the offset of the first bad byte rather
than decoded with guesses: a silently mis-decoded name would corrupt the references and shift
every character offset that later stages (therapies) report.
"""

from __future__ import annotations

import sys
from pathlib import Path

from refkit.errors import RefkitError

STDIN = "-"
MAX_BYTES = 64 * 1024 * 1024  # far beyond any article; protects memory, not speed
_SNIFF = 64 * 1024
_TEXT_CONTROLS = {9, 10, 12, 13}  # tab, newline, form feed, carriage return


def read_text(path: str | Path) -> str:
    """The decoded text of ``path`` ('-' reads stdin); RefkitError for anything unusable."""
    name = str(path)
    data = _read_bytes(name)
    if not data.strip():
        raise RefkitError(f"{name} is empty")
    return decode_text(data, name)


def _read_bytes(name: str) -> bytes:
    if name == STDIN:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is not None:
            data = stream.read(MAX_BYTES + 1)
        else:  # a text-only stdin (as some test runners give): re-encode what it holds
            data = sys.stdin.read(MAX_BYTES + 1).encode("utf-8")
        if len(data) > MAX_BYTES:
            raise RefkitError(f"standard input is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return data
    file = Path(name)
    try:
        if file.is_dir():
            raise RefkitError(f"{name} is a directory, not a file")
        if not file.exists():
            raise RefkitError(f"{name}: no such file")
        if file.stat().st_size > MAX_BYTES:
            raise RefkitError(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return file.read_bytes()
    except PermissionError:
        raise RefkitError(f"{name}: permission denied") from None
    except OSError as err:
        raise RefkitError(f"{name}: cannot read ({err.strerror or err})") from None


def decode_text(data: bytes, name: str = "input") -> str:
    """Decode bytes as UTF-8/UTF-16 text, refusing binary data and undecodable bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RefkitError(f"{name} starts with a UTF-16 byte-order mark but is not UTF-16 text") from None
    if b"\x00" in data:
        raise RefkitError(f"{name} looks like a binary file (it contains NUL bytes), not text")
    head = data[:_SNIFF]
    controls = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    if controls > len(head) * 0.05:
        raise RefkitError(f"{name} looks like a binary file (control bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RefkitError(
            f"{name} is not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "re-save it as UTF-8"
        ) from None
