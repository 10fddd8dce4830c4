"""Write one benchmark's section into docs/benchmarks.md, keeping the other sections."""
from __future__ import annotations

import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEAD = ("# Benchmarks\n\nFigures printed by the scripts in bench/ (medians after a warm-up), each section\n"
        "with the command that produced it and the machine it ran on. Rerun a script to refresh its section.\n")


def machine() -> str:
    """Describe the machine and the commit in one line."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=DOC.parent.parent).stdout.strip()
    except OSError:
        commit = "?"
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import os
    return f"{cpu}, {os.cpu_count()} cores, commit {commit}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"


def write_section(name: str, command: str, body: str) -> None:
    """Replace (or add) the section `name` of docs/benchmarks.md."""
    text = DOC.read_text() if DOC.exists() else HEAD
    block = (f"<!-- bench:{name} -->\n## {name}\n\n`{command}` on {machine()}\n\n{body.rstrip()}\n"
             f"<!-- /bench:{name} -->")
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
