"""`make demo`'s control-plane half: the example playbook against the simulator, then an independent
look at the cloud; and the demo cleans up after itself, also when it is stopped."""

import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from tools.paths import ROOT

pytestmark = pytest.mark.slow


def _demo(workdir):
    return subprocess.Popen([sys.executable, "-m", "tools.demo", "--control-plane", "--workdir", str(workdir)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _port(output):
    return int(re.search(r"Cloud simulator listening on http://127\.0\.0\.1:(\d+)", output).group(1))


def _listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_control_plane_demo_shares_every_address_with_every_member_and_stops_the_simulator(tmp_path):
    proc = _demo(tmp_path)
    out, _stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]
            if re.match(r"^\s+(web|db|api6)\s", line)}
    assert rows == {"web": ["192.168.100.100", "node01", "node02", "node03"],
                    "db": ["192.168.100.101", "node01", "node02", "node03"],
                    "api6": ["fd00:100::100", "node01", "node02", "node03"]}, out
    assert "Demo OK" in out
    assert not _listening(_port(out)), "the simulator outlived the demo"


def test_a_stopped_demo_says_so_and_still_stops_the_simulator(tmp_path):
    proc = _demo(tmp_path)
    seen = ""
    deadline = time.monotonic() + 60
    while "Running playbooks/site.yml" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    out, _stderr = proc.communicate(timeout=60)
    out = seen + out
    assert proc.returncode == 130, out
    assert "interrupted by SIGTERM; cleaned up" in out
    assert not _listening(_port(out)), "the simulator outlived the interrupted demo"


def test_without_root_the_demo_says_so_and_runs_the_control_plane_half(tmp_path, monkeypatch, capsys):
    from tools import demo

    handlers = {sig: signal.getsignal(sig) for sig in demo.STOP_SIGNALS}
    monkeypatch.setattr(demo.os, "geteuid", lambda: 1000)
    try:
        rc = demo.main(["--workdir", str(tmp_path)])
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "control plane only (not running as root" in out
    assert "Demo OK (control plane only: run as root for the lab and the failover)" in out
    assert "Booting the lab" not in out
