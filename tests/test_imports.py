"""The package's modules import one another in one direction only, and each imports alone."""

import ast
import subprocess
import sys
from pathlib import Path

import events

PACKAGE = Path(events.__file__).parent


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports anywhere in its file (inside functions too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + [base]
                ).strip(".")
            for a in node.names:  # "from events.geo import names": the submodule, else the package's names
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base)
    # a module's own packages run before it whatever it imports: not an edge
    return {m for m in found if m in known and m != name and not name.startswith(m + ".")}


def test_the_import_graph_has_no_cycle():
    mods = modules()
    graph = {name: imports_of(name, path, set(mods)) for name, path in mods.items()}
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                walk(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert graph["events.pipeline"] and "events.pipeline" not in graph["events.distributed"]


def test_every_module_imports_alone_in_a_fresh_interpreter():
    names = sorted(n for n in modules() if n != "events.__main__")  # __main__ runs the command line
    code = "import importlib, sys\nfor n in sys.argv[1:]:\n    importlib.import_module(n)\n"
    for order in (names, names[::-1]):
        done = subprocess.run(
            [sys.executable, "-c", code, *order], check=False, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
