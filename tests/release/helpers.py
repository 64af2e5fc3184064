"""Helpers of the release tests (no fixtures here: see conftest.py)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FQCN = "failover.shared_ip"
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
RUNTIME = REPO / "requirements.txt"
DEV = REPO / "requirements-dev.txt"
CONSTRAINTS = REPO / "constraints.txt"
UNITS = REPO / "tests" / "unit" / "requirements.txt"
NEWER = REPO / "tests" / "requirements-newer.txt"


def galaxy():
    """galaxy.yml of the working tree."""
    return yaml.safe_load((REPO / "galaxy.yml").read_text())


def isolated_env(root, home):
    """An environment in which Ansible sees the collections under `root` only, and keeps its state in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PYTHONPATH"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(root),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_HOME=str(home),
        ANSIBLE_LOCAL_TEMP=str(Path(home) / "tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_STDOUT_CALLBACK="default",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    return env


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


def requirements(path):
    """[Requirement] of a requirements file, following `-r` includes."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += requirements(path.parent / line[3:].strip())
        elif line:
            found.append(Requirement(line))
    return found


def pins(path):
    """{canonical name: version} of the exact pins of a requirements file (ranges left out)."""
    result = {}
    for req in requirements(path):
        exact = [s for s in req.specifier if s.operator == "=="]
        if exact:
            result[canonicalize_name(req.name)] = exact[0].version
    return result
