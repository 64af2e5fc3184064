"""`make demo` (demo.py): its control-plane half, the example playbook against the simulator, then an
independent look at the cloud, cleaned up also when it is stopped; and as root (marker lab) the whole job on
the simulator and a real lab, a hard failure, and back, then a failover onto a standby unbound in the cloud
(nobody hears it, demo_unbound.py) and bound again (it answers)."""

import os
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


# ----- as root, on a real lab (marker lab) -----

def live(test):
    """A test of the demo on a real lab: marker lab, skipped without root."""
    return pytest.mark.lab(pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root")(test))


LAB = os.environ.get("FSIP_DEMOTEST_LAB", "demotest")  # another name: two checkouts side by side


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    proc = subprocess.run([sys.executable, "-m", "tools.demo", "--workdir", str(tmp_path_factory.mktemp("demo")),
                           "--lab", LAB], cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def _rows(out, heading):
    """The table rows printed under the first step line that contains `heading`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if heading in line)
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("["):
            break
        if not re.match(r"^\s+(-+\s*)+$", line):
            rows.append(line.split())
    return rows[1:]  # without the header


@live
def test_the_demo_ends_with_every_address_on_its_preferred_member(demo):
    rc, out = demo
    assert rc == 0, out
    assert out.rstrip().endswith("Demo OK"), out
    final = _rows(out, "Back in")
    assert {r[0]: (r[3], r[4]) for r in final} == {"web": ("node01", "node01"), "db": ("node02", "node02"),
                                                   "api6": ("node03", "node03")}, out


@live
def test_the_failure_moves_web_to_its_second_choice_and_the_client_sees_it(demo):
    _rc, out = demo
    during = {r[0]: r for r in _rows(out, "Moved in")}
    assert during["web"][3:5] == ["node02", "node02"], out
    announced = {r[0]: r for r in _rows(out, "Announcements on the wire (captured")}
    assert announced["web"][2] == "node02" and int(announced["web"][3]) >= 1, out
    silence = {r[0]: r for r in _rows(out, "What a client pinging")}
    assert silence["web"][3] == "ms" and silence["web"][4] == "yes", out


@live
def test_a_failing_check_moves_the_address_that_tracks_it_and_only_that_one(demo):
    _rc, out = demo
    during = {r[0]: (r[3], r[4]) for r in _rows(out, "With the check failing, moved in")}
    assert during == {"web": ("node02", "node02"), "db": ("node02", "node02"), "api6": ("node03", "node03")}, out
    silence = {r[0]: r for r in _rows(out, "What the client saw while the check failed")}
    assert silence["web"][4] == "yes", out
    back = {r[0]: (r[3], r[4]) for r in _rows(out, "With the check passing, back in")}
    assert back == {"web": ("node01", "node01"), "db": ("node02", "node02"), "api6": ("node03", "node03")}, out


def _block(out, heading):
    """The indented lines under the first step line that contains `heading`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if heading in line)
    block = []
    for line in lines[start + 1:]:
        if line.startswith("["):
            break
        block.append(line.strip())
    return block


@live
def test_after_the_converge_the_cloud_lets_every_member_carry_every_address_and_the_bridge_agrees(demo):
    _rc, out = demo
    link = _rows(out, "Which member the cloud lets carry each shared IP")
    assert len(link) == 9, out
    assert all(row[3:] == ["yes", "yes", "yes", "yes"] for row in link), out


@live
def test_a_standby_unbound_in_the_cloud_takes_the_address_and_nobody_hears_it(demo):
    _rc, out = demo
    link = {row[2]: row[3:] for row in _rows(out, "The cloud no longer lets node02 carry web")}
    assert link["node02"] == ["no", "no", "NO", "NO"] and link["node01"] == ["yes"] * 4, out
    unheard = "\n".join(_block(out, "node02 took web in keepalived"))
    assert re.search(r"announcements sent on node02's port\s+[1-9]\d* gratuitous ARP", unheard), out
    assert re.search(r"announcements that passed the bridge\s+0$", unheard, re.M), out
    arp_dropped = int(re.search(r"bridge counters\)\s+arp \+(\d+)", unheard).group(1))
    assert arp_dropped > 0, out
    client = _rows(out, "What the client saw, pinging web")
    assert client[0][2] == "0" and client[0][3] == "of", out


@live
def test_bound_again_the_address_answers_from_the_standby_then_goes_home(demo):
    _rc, out = demo
    rebound = "\n".join(_block(out, "web answers from node02 again"))
    assert re.search(r"client's first answer\s+\+\d+\.\d\d s", rebound), out
    assert re.search(r"client resolves it to\s+node02$", rebound, re.M), out
    final = _rows(out, "Restored in")
    assert {r[0]: (r[3], r[4]) for r in final} == {"web": ("node01", "node01"), "db": ("node02", "node02"),
                                                   "api6": ("node03", "node03")}, out


@live
def test_the_demo_leaves_no_lab_behind(demo):
    from testbed.lab import all_lab_names

    assert LAB not in all_lab_names()
