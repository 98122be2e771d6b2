"""A plain (not editable) install carries everything the bot needs, the question bank included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_plain_install_runs_from_another_folder_with_its_bank(tmp_path: Path) -> None:
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("quizbot-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    assert (target / "bot" / "questions" / "glossary.yaml").is_file()
    # Only the installed copy is importable: the checkout is not on the path and the folder is elsewhere.
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZBOT_")}
    env["PYTHONPATH"] = str(target)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    code = "import bot, sys; sys.argv = ['quizbot', 'validate']; from bot.__main__ import main; main()"
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {code}"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: ") and "questions" in done.stdout
    located = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(target)!r}); import bot; print(bot.__file__)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert located.stdout.strip().startswith(str(target))
