"""Rules about the code itself that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ("bot", "handlers", "storage")


def _python_files() -> list[Path]:
    return sorted(path for folder in PRODUCTION for path in (ROOT / folder).rglob("*.py"))


def test_no_assert_guards_a_production_path() -> None:
    # `python -O` drops asserts: a guard written as one silently stops guarding.
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _python_files()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Assert)
    ]
    assert found == []


# Subcommands that share a module with the subcommand they pair with.
PAIRED = {"resume": "pause", "now": "pause", "errors": "history", "duplicates": "history", "map": "mappings"}


def test_a_subcommand_lives_in_the_module_named_after_it() -> None:
    from handlers.commands import load_all

    misplaced = {}
    for name, sub in load_all().items():
        module = sub.handler.__module__.rsplit(".", 1)[-1]
        expected = {name.replace("-", "_"), PAIRED.get(name)}
        if module not in expected:
            misplaced[name] = sub.handler.__module__
    assert misplaced == {}
    assert load_all()["hide"].handler.__module__ == "handlers.commands.hide"
    assert load_all()["unhide"].handler.__module__ == "handlers.commands.unhide"
