"""The soak's faults on a real two-member lab (testbed/lab/faults.py): a frozen member stops answering and
answers again when thawed, a realtime burst ends by itself and leaves nothing running, a program started in
a member dies with it, and `down` leaves no process of the lab's namespaces and no freezer cgroup."""

import os
import subprocess
import time

import pytest

from testbed.lab import Lab, faults

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
    pytest.mark.skipif(not (faults.FREEZER / "cgroup.procs").exists(), reason="no cgroup v1 freezer"),
]

NAME = os.environ.get("FSIP_FAULTS_LAB", "faults")


@pytest.fixture(scope="module")
def lab():
    with Lab(NAME, members=2) as running:
        yield running


def _state(pid):
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0]


def test_a_frozen_member_runs_nothing_until_thawed(lab):
    member = lab.member("node02")
    # 40 ticks 50 ms apart, in the member: it ends by itself
    ticks = "for i in $(seq 40); do date +%s.%N; sleep 0.05; done"
    ticker = subprocess.Popen(faults.in_member(member, ["sh", "-c", ticks]), stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    took = faults.freeze(member, lab.name, 1.0)
    assert took >= 1.0
    assert _state(member.init_pid()) in "SR"  # thawed again
    stamps = [float(s) for s in ticker.communicate(timeout=30)[0].split()]
    assert max(b - a for a, b in zip(stamps, stamps[1:])) >= 0.9  # nothing ran in the member while frozen
    assert member.exec(["true"]).returncode == 0


def test_attach_moves_every_process_of_a_member_into_its_freezer_cgroup_thawed(lab):
    member = lab.member("node01")
    before = faults.member_pids(member)
    group = faults.attach(member, lab.name)
    attached = {int(pid) for pid in (group / "cgroup.procs").read_text().split()}
    assert [pid for pid in before if os.path.exists(f"/proc/{pid}") and pid not in attached] == []
    assert (group / "freezer.state").read_text().strip() == "THAWED"
    assert member.exec(["true"]).returncode == 0


def test_a_realtime_burst_ends_from_outside_and_leaves_nothing(lab):
    member = lab.member("node01")
    took = faults.rt_burst(member, 200, priority=10)
    assert took < 10
    assert not [pid for pid in faults.member_pids(member)
                if b"rthog" in open(f"/proc/{pid}/cmdline", "rb").read()]


def test_down_kills_what_runs_in_the_lab_namespaces_and_removes_the_freezer():
    with Lab(f"{NAME}2", members=1) as other:
        member = other.member("node01")
        outside = subprocess.Popen(faults.in_member_net(member, ["sleep", "300"]))
        flood = subprocess.Popen(["ip", "netns", "exec", other.netns, "sleep", "300"])
        inside = subprocess.Popen(faults.in_member(member, ["sleep", "300"]))
        faults.freeze(member, other.name, 0.1)
        assert faults.freezer_dir(other.name, "node01").is_dir()
    for proc in (outside, flood, inside):
        assert proc.wait(timeout=10) != 0
    assert not (faults.FREEZER / f"fsip-{NAME}2").exists()
