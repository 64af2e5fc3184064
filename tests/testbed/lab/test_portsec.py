"""Port security (portsec.py): what the bridge allows each member, computed from a real simulator's
/_sim/state (no lab, no root needed); then on a real lab driven by a real simulator (marker lab): sets
before boot, changes followed, spoofing dropped and counted, link-local open; and a lab without a
simulator says so and runs unfiltered."""

import ipaddress
import json
import os
import statistics
import time

import pytest

from testbed.fakecloud import start
from testbed.fakecloud.client import DEMO, Session
from testbed.fakecloud.fixture import BUILTIN
from testbed.lab import Lab, LabError, ensure_image, network, portsec
from testbed.lab.member import Member
from testbed.lab.network import member_addresses

MEMBERS = ["node01", "node02", "node03"]
FIXED = {m: list(member_addresses(i)) for i, m in enumerate(MEMBERS, 1)}


@pytest.fixture(scope="module")
def plan_sim():
    fixture = json.loads(json.dumps(BUILTIN))
    fixture["shared_ips"] = [
        {"region": "DFW", "network": "cluster-net", "members": ["node01", "node02"], "address": "192.168.100.100",
         "associated": ["node01"]},
        {"region": "DFW", "network": "cluster-net", "members": ["node02", "node03"], "address": "fd00:100::100",
         "version": 6, "associated": ["node02", "node03"]},
    ]
    with start(port=0, fixture=fixture) as running:
        yield running


def test_a_member_may_send_from_its_fixed_addresses_and_the_shared_ips_its_port_holds_and_is_associated_with(plan_sim):
    plan = portsec.plan(portsec.read_state(plan_sim.url), MEMBERS, FIXED)
    assert plan["node01"]["v4"] == ["192.168.100.100", "192.168.100.11"] and plan["node01"]["v6"] == ["fd00:100::11"]
    assert plan["node02"]["v4"] == ["192.168.100.12"], "held but not associated: not allowed"
    assert plan["node02"]["v6"] == ["fd00:100::100", "fd00:100::12"]
    assert plan["node03"]["v4"] == ["192.168.100.13"] and plan["node03"]["v6"] == ["fd00:100::100", "fd00:100::13"]
    assert plan["node02"]["shared"]["192.168.100.100"] == {"held": True, "associated": False}
    assert plan["node03"]["shared"].get("192.168.100.100", {"held": False})["held"] is False
    assert plan["node01"]["mac"] == next(p["mac_address"] for p in portsec.read_state(plan_sim.url)["regions"]["DFW"]["ports"]
                                         if p["name"] == "node01-cluster-net")


def test_a_member_that_is_no_server_of_the_simulator_is_refused(plan_sim):
    with pytest.raises(portsec.NotAServer, match="ghost is no server"):
        portsec.plan(portsec.read_state(plan_sim.url), ["node01", "ghost"], dict(FIXED, ghost=["192.168.100.19"]))
    with pytest.raises(portsec.NotAServer, match="not the lab's fixed addresses"):
        portsec.plan(portsec.read_state(plan_sim.url), ["node01"], {"node01": ["192.168.100.50", "fd00:100::50"]})


def test_no_simulator_is_a_clear_error():
    with start(port=0) as gone:
        url = gone.url
    with pytest.raises(portsec.CloudUnavailable, match=r"no simulator answers GET .*/_sim/state"):
        portsec.read_state(url, timeout=1)


def test_the_ruleset_filters_each_port_and_keeps_link_local_open():
    text = portsec.ruleset("lab", {"node01": "vb-lab-node01"}, {"node01": {"v4": ["192.168.100.11"],
                                                                           "v6": ["fd00:100::11"]}})
    assert 'iifname "vb-lab-node01" jump node01' in text
    assert "arp saddr ip != @node01_v4" in text and "ip saddr != @node01_v4" in text
    assert "ip6 saddr != { ::, fe80::/10 } ip6 saddr != @node01_v6" in text
    assert "0xfd000100000000000000000000000011" in text  # the NA target set holds the same address as an integer
    update = portsec.set_update("lab", {"node01": {"v4": [], "v6": ["fd00:100::100"]}})
    assert update.splitlines() == [
        "flush set bridge fsip_ps_lab node01_v4", "flush set bridge fsip_ps_lab node01_v6",
        "add element bridge fsip_ps_lab node01_v6 { fd00:100::100 }", "flush set bridge fsip_ps_lab node01_na",
        "add element bridge fsip_ps_lab node01_na { 0xfd000100000000000000000000000100 }"]


# ----- on a real lab (marker lab, root) -----

def live(test):
    """A test on a real lab: marker lab, skipped without root."""
    return pytest.mark.lab(pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root")(test))


NAME = os.environ.get("FSIP_PORTSEC_LAB", "psec")
NAME_NO_CLOUD = os.environ.get("FSIP_PORTSEC_LAB2", "psec2")
SHARED4, SHARED6 = "192.168.100.100", "fd00:100::100"

# A member sends one unsolicited neighbour advertisement for argv[1] to all nodes, argv[2] times
# (no ndisc6 in the image: a raw ICMPv6 socket, the kernel fills in the checksum).
SEND_NA = """
import socket, struct, sys
target = socket.inet_pton(socket.AF_INET6, sys.argv[1])
mac = bytes.fromhex(open('/sys/class/net/host0/address').read().strip().replace(':', ''))
sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
na = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + target + struct.pack('!BB', 2, 1) + mac
for _ in range(int(sys.argv[2])):
    sock.sendto(na, ('ff02::1', 0, 0, socket.if_nametoindex('host0')))
"""


class Cloud:
    """The simulator seen through its public API (associations), with the ids the tests need."""

    def __init__(self, sim):
        self.sim = sim
        self.cloud = Session(sim.identity_url, DEMO["username"], api_key=DEMO["api_key"], region=DEMO["region"])
        self.servers = {s["name"]: s["id"] for s in self.cloud.get("compute", "/servers/detail")["servers"]}
        self.ips = {ip["address"]: ip["id"]
                    for ip in self.cloud.get("network", "/ip_addresses", type="shared")["ip_addresses"]}

    def associate(self, server, address, on=True):
        path = f"/servers/{self.servers[server]}/ip_associations/{self.ips[address]}"
        resp = self.cloud.comp("PUT" if on else "DELETE", path, {"ip_association": {}} if on else None)
        assert resp.status_code in (201, 204), (resp.status_code, resp.text)


@pytest.fixture(scope="module")
def sim():
    fixture = json.loads(json.dumps(BUILTIN))
    fixture["shared_ips"] = [
        {"region": "DFW", "network": "cluster-net", "members": ["node01", "node02", "node03"],
         "address": SHARED4, "associated": ["node01"]},
        {"region": "DFW", "network": "cluster-net", "members": ["node01", "node02", "node03"],
         "address": SHARED6, "version": 6, "associated": ["node01"]},
    ]
    with start(port=0, fixture=fixture) as running:
        yield running


@pytest.fixture(scope="module")
def booted(sim):
    """The lab, brought up with a look at the bridge's table just before each member starts."""
    image = ensure_image("bookworm")
    lab = Lab(NAME, members=3, cloud=sim.url)
    lab.down()
    at_start = {}
    original = Member.start

    def start_and_look(member, bridge, logfile):
        listed = network.nft(member.lab, image, "-j", "list", "table", "bridge", portsec.table_name(member.lab),
                             check=False)
        at_start[member.name] = portsec.parse_table(listed.stdout) if listed.returncode == 0 else None
        return original(member, bridge, logfile)

    Member.start = start_and_look
    try:
        lab.up()
    finally:
        Member.start = original
    try:
        yield lab, at_start
    finally:
        lab.down()


@pytest.fixture
def lab(booted):
    return booted[0]


def _allowed(lab, member):
    return lab.port_security()["members"][member]["allowed"]


@live
def test_the_sets_exist_before_the_first_member_boots(booted, sim):
    lab, at_start = booted
    assert sorted(at_start) == lab.names
    for member in lab.members:
        seen = at_start[member.name]
        assert seen is not None, f"no port-security table when {member.name} started"
        assert seen["sets"][f"{member.name}_v4"] and seen["sets"][f"{member.name}_v6"], seen
        assert {member.ipv4, member.ipv6} <= set(seen["sets"][f"{member.name}_v4"] + seen["sets"][f"{member.name}_v6"])
    assert set(at_start["node01"]["sets"]["node01_v4"]) == {"192.168.100.11", SHARED4}
    assert at_start["node02"]["sets"]["node02_v4"] == ["192.168.100.12"]
    ports = {p["name"]: p["mac_address"] for p in sim.state.dump()["regions"]["DFW"]["ports"]}
    for name in lab.names:  # each member is the simulator's server: its port's MAC
        assert lab.mac_of(name) == ports[f"{name}-cluster-net"]
        assert lab.member(name).exec("cat /sys/class/net/host0/address").stdout.strip() == ports[f"{name}-cluster-net"]


@live
def test_a_change_in_the_simulator_reaches_the_bridge_within_a_few_hundred_ms(lab, sim, capsys):
    cloud = Cloud(sim)
    gained, lost, watcher = [], [], []
    for _round in range(5):
        for on, figures in ((True, gained), (False, lost)):
            cloud.associate("node02", SHARED4, on=on)
            changed = time.time()
            deadline = time.monotonic() + 5  # a generous bound: the figure is printed, not asserted
            while (SHARED4 in _allowed(lab, "node02")) != on and time.monotonic() < deadline:
                pass
            seen = time.time()
            assert (SHARED4 in _allowed(lab, "node02")) == on, f"the bridge did not follow within 5 s (on={on})"
            figures.append((seen - changed) * 1000)
            record = next(r for r in reversed(lab.port_security_log()) if r.get("allowed"))
            watcher.append((record["time"] - changed) * 1000)
    with capsys.disabled():
        print(f"\nport security: a simulator change seen in the bridge's set after median "
              f"{statistics.median(gained):.0f} ms (max {max(gained):.0f}) when associating, "
              f"{statistics.median(lost):.0f} ms (max {max(lost):.0f}) when disassociating; watcher applied it "
              f"after median {statistics.median(watcher):.0f} ms (max {max(watcher):.0f}); "
              f"{len(gained) + len(lost)} changes")


@live
def test_spoofed_arp_na_and_ip_from_a_member_are_dropped_and_counted(lab):
    before = lab.drops()
    on_port = lab.start_capture(tag="spoof-port", member="node03", max_seconds=60)
    through = lab.start_capture(tag="spoof-bridge", max_seconds=60)
    try:
        node03 = lab.member("node03")
        client_mac = json.loads(lab.client.exec(["ip", "-j", "link", "show", "dev", "eth0"]).stdout)[0]["address"]
        # the client's MAC known in advance, so that the pings leave without an ARP from the spoofed address
        node03.exec(f"ip addr add {SHARED4}/32 dev host0 && arping -U -c 2 -I host0 {SHARED4}; "
                    f"ip neigh replace 192.168.100.250 lladdr {client_mac} dev host0 nud permanent; "
                    f"ping -c 2 -W 1 -I {SHARED4} 192.168.100.250; ip neigh del 192.168.100.250 dev host0; "
                    f"ip addr del {SHARED4}/32 dev host0", check=False)
        node03.exec(["python3", "-c", SEND_NA, SHARED6, "3"])
        node03.exec(["python3", "-c", SEND_NA, "fd00:100::13", "1"])  # its own address: passes
        lab.member("node01").exec(f"ip addr add {SHARED4}/32 dev host0 && arping -U -c 1 -I host0 {SHARED4}; "
                                  f"ip addr del {SHARED4}/32 dev host0", check=False)  # node01 may: passes
    finally:
        sent, passed = on_port.stop(), through.stop()
    after = lab.drops()
    node03 = {kind: after["node03"][kind] - before["node03"][kind] for kind in portsec.KINDS}
    mac3, mac1 = lab.mac_of("node03"), lab.mac_of("node01")
    print(f"node03's drops: {node03}; sent on its port {len(sent)}, passed the bridge {len(passed)}")
    assert node03["arp"] >= 2 and node03["na"] == 3 and node03["ip4"] >= 2, node03
    assert {(a["kind"], a["address"]) for a in sent if a["mac"] == mac3} >= {("garp", SHARED4), ("na", SHARED6)}
    assert not [a for a in passed if a["mac"] == mac3 and a["address"] in (SHARED4, SHARED6)], passed
    assert ("na", "fd00:100::13") in {(a["kind"], a["address"]) for a in passed if a["mac"] == mac3}
    assert ("garp", SHARED4) in {(a["kind"], a["address"]) for a in passed if a["mac"] == mac1}
    assert after["node01"] == before["node01"] and after["node02"] == before["node02"]


@live
def test_link_local_and_neighbour_discovery_stay_open(lab):
    before = lab.drops()["node03"]
    mac = lab.mac_of("node03")
    octets = [int(x, 16) for x in mac.split(":")]
    eui = [octets[0] ^ 0x02, *octets[1:3], 0xFF, 0xFE, *octets[3:]]
    link_local = str(ipaddress.IPv6Address(bytes([0xFE, 0x80] + [0] * 6 + eui)))
    assert link_local in lab.member("node03").exec("ip -6 addr show dev host0").stdout
    client = json.loads(lab.client.exec(["ip", "-j", "-6", "addr", "show", "dev", "eth0", "scope", "link"]).stdout)
    client_link_local = next(a["local"] for link in client for a in link.get("addr_info", [])
                             if a.get("local", "").startswith("fe80:"))
    lab.client.forget("fd00:100::13")
    # node03 talks from its link-local address (as VRRPv3 does) and resolves the client's over ND
    answers = lab.member("node03").exec(["ping", "-6", "-c", "3", "-i", "0.2", "-W", "1",
                                         f"{client_link_local}%host0"], check=False)
    assert answers.returncode == 0, answers.stdout + answers.stderr
    assert lab.client.probe("fd00:100::13", seconds=0.5)["received"] > 0  # ND for its own address works
    assert lab.drops()["node03"] == before


@live
def test_without_a_simulator_the_lab_says_so_and_runs_unfiltered(capsys):
    with start(port=0) as gone:
        url = gone.url
    said = []
    lab = Lab(NAME_NO_CLOUD, members=1, cloud=url, log=said.append)
    lab.down()
    try:
        try:
            lab.up()
        except LabError as error:
            # Seen twice in full runs, cause not found yet: this one-member lab's nspawn exits silently right
            # after its veth joins the bridge. up() has torn it down; one more boot, and the message is kept.
            if "exited during boot" not in str(error):
                raise
            said.append(f"first boot failed: {error}")
            lab.up()
        line = next((line for line in said if "WITHOUT port security" in line), None)
        with capsys.disabled():
            print(f"\nno simulator: {line}")
        assert line and "no simulator answers" in line and url in line, said
        assert lab.status()["port_security"] is False
        capture = lab.start_capture(tag="free", max_seconds=30)
        lab.member("node01").exec(f"ip addr add {SHARED4}/32 dev host0 && arping -U -c 1 -I host0 {SHARED4}",
                                  check=False)
        seen = capture.stop()
        assert ("garp", SHARED4) in {(a["kind"], a["address"]) for a in seen}, "unfiltered: anything passes"
        with pytest.raises(Exception, match="without port security"):
            lab.drops()
    finally:
        lab.down()
