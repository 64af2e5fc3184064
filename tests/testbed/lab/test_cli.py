"""The lab's command line without a lab: refusal without root, bad names, JSON status."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from testbed.lab.lab import RUN_ROOT

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NOBODY = "65534"


def _cli(*args):
    cmd = [sys.executable, "-m", "testbed.lab", *args]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)


def _as_user(user, cmd, cwd):
    cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def public_copy():
    """testbed/lab copied where any user can read it.

    The checkout may sit under a directory that another user cannot enter (/root,
    a `mktemp -d`): that user could then neither import testbed.lab from it nor start
    the checkout's venv Python. testbed.lab needs only the standard library.
    """
    top = tempfile.mkdtemp(prefix="fsip-cli-")
    try:
        os.chmod(top, 0o755)
        shutil.copytree(os.path.join(REPO, "testbed", "lab"), os.path.join(top, "testbed", "lab"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        for folder, dirs, files in os.walk(top):
            for name in dirs:
                os.chmod(os.path.join(folder, name), 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
        yield top
    finally:
        shutil.rmtree(top)


def _python_for(user, cwd):
    """A Python that `user` can start: the one running the tests, else the system's."""
    candidates = [sys.executable, os.path.realpath(sys.executable), shutil.which("python3", path="/usr/bin:/bin")]
    for python in dict.fromkeys(c for c in candidates if c):
        if _as_user(user, [python, "-c", "import testbed.lab"], cwd).returncode == 0:
            return python
    pytest.fail(f"uid {user} can start none of {candidates} with testbed.lab importable from {cwd}")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_up_without_root_says_so_and_does_nothing(public_copy):
    python = _python_for(NOBODY, public_copy)
    proc = _as_user(NOBODY, [python, "-m", "testbed.lab", "up", "--name", "nonroot"], public_copy)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the lab needs root" in proc.stderr
    assert not os.path.exists(os.path.join(public_copy, ".lab", "nonroot"))
    assert not (RUN_ROOT / "nonroot").exists()


def test_a_name_too_long_for_an_interface_is_refused():
    proc = _cli("status", "--name", "much-too-long-name")
    assert proc.returncode == 1
    assert "'much-too-long-name'" in proc.stderr and "at most 10" in proc.stderr


def test_status_of_a_lab_that_does_not_exist_reports_nothing_running():
    status = json.loads(_cli("status", "--name", "absent").stdout)
    assert status["name"] == "absent" and status["bridge_present"] is False
    assert not any(member["running"] for member in status["members"].values())
