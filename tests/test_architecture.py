"""House rules that code review would otherwise have to catch."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_CORE = {"discord", "slack_bolt", "slack_sdk", "apscheduler", "aiosqlite", "aiohttp", "sqlite3"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_imports_no_platform_scheduler_or_database_driver() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN_IN_CORE)
        for p in (ROOT / "bot" / "core").rglob("*.py")
        if _imports(p) & FORBIDDEN_IN_CORE
    }
    assert offenders == {}


def test_only_storage_holds_sql() -> None:
    pattern = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE")
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "bot").rglob("*.py")
        if "storage" not in p.parts and any(s in p.read_text() for s in pattern)
    ]
    assert offenders == []


def test_only_scheduling_imports_apscheduler() -> None:
    users = [p.name for p in (ROOT / "bot").rglob("*.py") if "apscheduler" in _imports(p)]
    assert users == ["scheduling.py"]


@pytest.mark.parametrize(
    "cmd",
    [
        ["ruff", "check", "bot", "tests", "bench"],
        ["ruff", "format", "--check", "bot", "tests", "bench"],
        ["mypy"],
    ],
    ids=["ruff", "format", "mypy"],
)
def test_tooling_is_clean(cmd: list[str]) -> None:
    exe = Path(sys.executable).parent / cmd[0]
    tool = str(exe) if exe.exists() else shutil.which(cmd[0])
    assert tool, f"{cmd[0]} is not installed; install the test extras"
    out = subprocess.run([tool, *cmd[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
