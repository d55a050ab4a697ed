"""The package's layering, read from the source: stages never reach upward, nothing imports the CLI.

Order of the stages (a stage may import the core and the stages before it):
core (model, text, dates, pages, fileio, messages, errors, settings, gc_pause) < parse < resolve < export
< therapies < graph < workspace < cli.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "refkit"
CORE = {"model", "text", "dates", "pages", "fileio", "messages", "errors", "settings", "gc_pause", "__init__"}
ORDER = [
    "core",
    "parse",
    "resolve",
    "export",
    "therapies",
    "graph",
    "render",
    "report",
    "workspace",
    "facade",
    "cli",
]


def layer(module: str) -> str:
    """The layer of a dotted module name inside refkit ('refkit.resolve.matcher' -> 'resolve')."""
    parts = module.split(".")
    if parts[0] != "refkit":
        return "outside"
    if module == "refkit.__init__":
        return "facade"  # the package's public functions: thin, lazy wrappers over the stages
    if len(parts) == 1 or parts[1] in CORE:
        return "core"
    name = parts[1]
    if name == "graph_draw":
        return "graph"
    return name


def module_name(path: Path) -> str:
    return ".".join(("refkit", *path.relative_to(PACKAGE).with_suffix("").parts))


def imports(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """Every refkit module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = package or module_name(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("refkit")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")[: -node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("refkit"):
                found.append((node.lineno, name))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    module = module_name(path)
    own = layer(module)
    assert own in ORDER, f"{module}: unknown layer {own!r} (add it to ORDER)"
    for line, name in imports(path):
        other = layer(name)
        assert other in ORDER, f"{module}:{line} imports {name} of unknown layer {other!r}"
        assert ORDER.index(other) <= ORDER.index(own), f"{module}:{line} imports {name}, a layer above it"
        if other == "cli":
            pytest.fail(f"{module}:{line} imports the CLI")


def test_the_core_imports_no_stage() -> None:
    for path in MODULES:
        module = module_name(path)
        if layer(module) != "core":
            continue
        assert all(layer(name) == "core" for _, name in imports(path)), module


def test_the_layer_reader_sees_upward_imports(tmp_path: Path) -> None:
    """The checker itself: an upward import, also a lazy or a relative one, is found."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os\n\ndef f():\n    from refkit.graph import new_graph\n    from ..export import bibtex\n",
        encoding="utf-8",
    )
    found = [name for _, name in imports(probe, package="refkit.parse.probe")]
    assert found == ["refkit.graph", "refkit.export"]
    assert [layer(n) for n in found] == ["graph", "export"]
    assert ORDER.index("graph") > ORDER.index("parse") and layer("refkit.model") == "core"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_suite_cannot_reach_the_network() -> None:
    """pytest-socket is on: a connection to anywhere but loopback is refused before it leaves."""
    import socket

    from pytest_socket import SocketBlockedError, SocketConnectBlockedError

    with pytest.raises((SocketBlockedError, SocketConnectBlockedError)):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)  # TEST-NET-1, never routed
