"""The lab's command line without a lab: refusal without root, bad names, JSON status."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cli(*args, user=None):
    cmd = [sys.executable, "-m", "tests.lab", *args]
    if user:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_up_without_root_says_so_and_does_nothing():
    proc = _cli("up", "--name", "nonroot", user="65534")
    assert proc.returncode == 1
    assert "the lab needs root" in proc.stderr
    assert not os.path.exists(os.path.join(REPO, ".lab", "nonroot"))


def test_a_name_too_long_for_an_interface_is_refused():
    proc = _cli("status", "--name", "much-too-long-name")
    assert proc.returncode == 1
    assert "'much-too-long-name'" in proc.stderr and "at most 10" in proc.stderr


def test_status_of_a_lab_that_does_not_exist_reports_nothing_running():
    status = json.loads(_cli("status", "--name", "absent").stdout)
    assert status["name"] == "absent" and status["bridge_present"] is False
    assert not any(member["running"] for member in status["members"].values())
