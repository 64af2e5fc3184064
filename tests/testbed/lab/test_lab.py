"""A real two-member lab: boot, identity, reachability, faults, offline install, clean teardown."""

import os
import subprocess
import time

import pytest

from testbed.lab import Lab, all_lab_names
from testbed.lab import network
from testbed.lab.member import Member

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
]

NAME = os.environ.get("FSIP_LABTEST_NAME", "labtest")  # another name: two checkouts side by side


@pytest.fixture(scope="module")
def lab():
    with Lab(NAME, members=2) as running:
        yield running


def _ssh(lab, member, cmd):
    return subprocess.run(["ssh", *lab.ssh_args(), f"root@{lab.member(member).ipv4}", cmd],
                          capture_output=True, text=True, timeout=30, check=False)


def test_the_lab_stays_off_the_machines_network(lab):
    host_links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True, check=False).stdout
    assert lab.bridge not in host_links and lab.member("node01").host_veth_name not in host_links


def test_members_have_their_own_identity_and_addresses(lab):
    ids, host_keys = set(), set()
    for name in lab.names:
        member = lab.member(name)
        assert _ssh(lab, name, "hostname").stdout.strip() == name
        addresses = member.exec("ip -j addr show host0").stdout
        assert member.ipv4 in addresses and member.ipv6 in addresses
        ids.add(member.exec("cat /etc/machine-id").stdout.strip())
        host_keys.add(member.exec("cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1])
    assert len(ids) == len(host_keys) == len(lab.names)
    assert len({lab.mac_of(name) for name in lab.names}) == len(lab.names)
    assert oct(lab.key.stat().st_mode & 0o777) == "0o600"


def test_inventory_reaches_every_member_with_ansible(lab):
    ansible = os.path.join(os.path.dirname(os.sys.executable), "ansible")
    proc = subprocess.run([ansible, "-i", str(lab.inventory), "members", "-m", "ping", "-o"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("SUCCESS") == len(lab.names)


def test_client_reaches_members_and_resolves_their_mac(lab):
    for address in ("192.168.100.11", "fd00:100::12"):
        result = lab.client.probe(address, seconds=0.5)
        assert result["received"] > 0 and result["resumed"], result
    assert lab.holder_of("192.168.100.11") == "node01"
    assert lab.holder_of("fd00:100::12") == "node02"


def test_cut_link_is_a_hard_failure_and_restore_repairs_it(lab):
    lab.cut_link("node02")
    try:
        assert lab.client.probe("192.168.100.12", seconds=0.5)["received"] == 0
        carrier = lab.member("node02").exec("cat /sys/class/net/host0/carrier", check=False)
        assert carrier.stdout.strip() != "1"
    finally:
        lab.restore_link("node02")
    assert lab.client.probe("192.168.100.12", seconds=1.5)["resumed"]


def test_partition_cuts_members_apart_but_not_from_the_client(lab):
    ping = "python3 -c \"import socket,sys; s=socket.create_connection(('%s', 22), timeout=1)\""
    assert lab.member("node01").exec(ping % "192.168.100.12", check=False).returncode == 0
    lab.partition(["node01"], ["node02"])
    try:
        assert lab.member("node01").exec(ping % "192.168.100.12", check=False).returncode != 0
        assert lab.client.probe("192.168.100.11", seconds=0.3)["received"] > 0
        assert lab.client.probe("192.168.100.12", seconds=0.3)["received"] > 0
    finally:
        lab.heal()
    assert lab.member("node01").exec(ping % "192.168.100.12", check=False).returncode == 0


def test_capture_sees_a_gratuitous_arp_from_the_member_that_sent_it(lab):
    capture = lab.start_capture(tag="t")
    lab.member("node02").exec("ip addr add 192.168.100.99/32 dev host0 && arping -U -c 1 -I host0 192.168.100.99"
                              " ; ip addr del 192.168.100.99/32 dev host0")
    seen = capture.stop()
    assert {"kind": "garp", "address": "192.168.100.99", "mac": lab.mac_of("node02")} in [
        {k: e[k] for k in ("kind", "address", "mac")} for e in seen]


def test_keepalived_installs_offline_from_the_image(lab):
    member = lab.member("node01")
    assert member.exec("getent hosts deb.debian.org", check=False).returncode != 0  # no DNS, no internet
    proc = member.exec("apt-get install -y -q keepalived", check=False, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert member.exec("keepalived --version", check=False).returncode == 0


def test_down_leaves_nothing_behind(lab):
    """Last test of the module: tears the fixture's lab down, with a probe and a capture running."""
    lab.start_probe("192.168.100.11", tag="left", max_seconds=60)
    lab.start_capture(tag="left")
    lab.down()
    assert NAME not in all_lab_names()
    host_links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True, check=False).stdout
    assert NAME not in host_links and lab.member("node01").machine not in host_links
    assert not {network.lab_netns(NAME), network.netns_name(NAME)} & set(network.netns_list())
    with open("/proc/self/mounts") as mounts:
        assert f"/fsip-lab/{NAME}/" not in mounts.read()
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False).stdout
    assert f"/{NAME}/" not in ps and f"{NAME}-node" not in ps


def test_a_member_whose_nspawn_exits_during_boot_is_started_once_more(monkeypatch):
    """The first start of node01 runs a program that exits at once (as nspawn did once in a CI run, silently):
    the lab says how it ended, starts the member once more, and comes up."""
    real_start, starts, said = Member.start, [], []

    def start(member, bridge, logfile):
        starts.append(member.name)
        if len(starts) > 1:
            return real_start(member, bridge, logfile)
        pid = os.fork()
        if not pid:
            os._exit(3)
        while not open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
            time.sleep(0.01)
        member.state["nspawn_pid"] = pid
        return None

    monkeypatch.setattr(Member, "start", start)
    with Lab(f"{NAME}b", members=1, log=said.append) as running:
        assert running.member("node01").exec(["true"]).returncode == 0
    assert starts == ["node01", "node01"]
    assert any("systemd-nspawn exited during boot (exit status 3)" in line and "starting node01 once more" in line
               for line in said), said


def test_a_member_that_does_not_answer_ssh_is_diagnosed_and_started_once_more(monkeypatch):
    """node01's first boot loses its link on the bridge (as a trixie member once never answered ARP in a CI run):
    after SSH_PATIENCE the lab says what the member looks like from inside, starts it once more, and comes up."""
    from testbed.lab import lab as lab_module

    real_wait, boots, said = Member.wait_booted, [], []

    def wait_booted(member, deadline):
        real_wait(member, deadline)
        boots.append(member.name)
        if len(boots) == 1:
            subprocess.run(["ip", "-n", member.netns, "link", "set", member.host_veth_name, "down"], check=True)

    monkeypatch.setattr(Member, "wait_booted", wait_booted)
    monkeypatch.setattr(lab_module, "SSH_PATIENCE", 5)
    with Lab(f"{NAME}c", members=1, log=said.append) as running:
        assert running.member("node01").exec(["true"]).returncode == 0
    assert boots == ["node01", "node01"]
    told = "\n".join(said)
    assert "node01: ssh to 192.168.100.11 does not answer" in told and "host0@" in told, told
    assert "starting node01 once more" in told, told
