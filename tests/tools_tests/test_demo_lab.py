"""`make demo` as root: the whole job on the simulator and a real lab, a hard failure, and back; then a
failover onto a standby unbound in the cloud (nobody hears it) and bound again (it answers)."""

import os
import re
import subprocess
import sys

import pytest

from tools.paths import ROOT

pytestmark = [pytest.mark.lab, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root")]

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


def test_the_demo_ends_with_every_address_on_its_preferred_member(demo):
    rc, out = demo
    assert rc == 0, out
    assert out.rstrip().endswith("Demo OK"), out
    final = _rows(out, "Back in")
    assert {r[0]: (r[3], r[4]) for r in final} == {"web": ("node01", "node01"), "db": ("node02", "node02"),
                                                   "api6": ("node03", "node03")}, out


def test_the_failure_moves_web_to_its_second_choice_and_the_client_sees_it(demo):
    _rc, out = demo
    during = {r[0]: r for r in _rows(out, "Moved in")}
    assert during["web"][3:5] == ["node02", "node02"], out
    announced = {r[0]: r for r in _rows(out, "Announcements on the wire (captured")}
    assert announced["web"][2] == "node02" and int(announced["web"][3]) >= 1, out
    silence = {r[0]: r for r in _rows(out, "What a client pinging")}
    assert silence["web"][3] == "ms" and silence["web"][4] == "yes", out


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


def test_after_the_converge_the_cloud_lets_every_member_carry_every_address_and_the_bridge_agrees(demo):
    _rc, out = demo
    link = _rows(out, "Which member the cloud lets carry each shared IP")
    assert len(link) == 9, out
    assert all(row[3:] == ["yes", "yes", "yes", "yes"] for row in link), out


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


def test_bound_again_the_address_answers_from_the_standby_then_goes_home(demo):
    _rc, out = demo
    rebound = "\n".join(_block(out, "web answers from node02 again"))
    assert re.search(r"client's first answer\s+\+\d+\.\d\d s", rebound), out
    assert re.search(r"client resolves it to\s+node02$", rebound, re.M), out
    final = _rows(out, "Restored in")
    assert {r[0]: (r[3], r[4]) for r in final} == {"web": ("node01", "node01"), "db": ("node02", "node02"),
                                                   "api6": ("node03", "node03")}, out


def test_the_demo_leaves_no_lab_behind(demo):
    from testbed.lab import all_lab_names

    assert LAB not in all_lab_names()
