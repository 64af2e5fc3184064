"""Helpers of the release tests (no fixtures here: see conftest.py)."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FQCN = "failover.shared_ip"
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def galaxy():
    """galaxy.yml of the working tree."""
    return yaml.safe_load((REPO / "galaxy.yml").read_text())


def run(cmd, env=None, cwd=None, timeout=300):
    """Run a command, return the CompletedProcess (text), never raise on rc."""
    return subprocess.run(
        [str(c) for c in cmd], env=env, cwd=cwd, timeout=timeout,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )


def tool(name):
    """A command of the venv that runs the tests (ansible-galaxy, ansible-doc, ...)."""
    path = BIN / name
    assert path.exists(), f"{name} is missing next to {sys.executable} (make venv)"
    return path
