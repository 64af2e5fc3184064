"""What the port security allows, computed from a real simulator's /_sim/state (no lab, no root needed)."""

import json

import pytest

from testbed.fakecloud import start
from testbed.lab import portsec
from testbed.lab.network import member_addresses

MEMBERS = ["node01", "node02", "node03"]
FIXED = {m: list(member_addresses(i)) for i, m in enumerate(MEMBERS, 1)}


@pytest.fixture(scope="module")
def sim():
    fixture = json.loads(json.dumps(__import__("testbed.fakecloud.fixture", fromlist=["BUILTIN"]).BUILTIN))
    fixture["shared_ips"] = [
        {"region": "DFW", "network": "cluster-net", "members": ["node01", "node02"], "address": "192.168.100.100",
         "associated": ["node01"]},
        {"region": "DFW", "network": "cluster-net", "members": ["node02", "node03"], "address": "fd00:100::100",
         "version": 6, "associated": ["node02", "node03"]},
    ]
    with start(port=0, fixture=fixture) as running:
        yield running


def test_a_member_may_send_from_its_fixed_addresses_and_the_shared_ips_its_port_holds_and_is_associated_with(sim):
    plan = portsec.plan(portsec.read_state(sim.url), MEMBERS, FIXED)
    assert plan["node01"]["v4"] == ["192.168.100.100", "192.168.100.11"] and plan["node01"]["v6"] == ["fd00:100::11"]
    assert plan["node02"]["v4"] == ["192.168.100.12"], "held but not associated: not allowed"
    assert plan["node02"]["v6"] == ["fd00:100::100", "fd00:100::12"]
    assert plan["node03"]["v4"] == ["192.168.100.13"] and plan["node03"]["v6"] == ["fd00:100::100", "fd00:100::13"]
    assert plan["node02"]["shared"]["192.168.100.100"] == {"held": True, "associated": False}
    assert plan["node03"]["shared"].get("192.168.100.100", {"held": False})["held"] is False
    assert plan["node01"]["mac"] == next(p["mac_address"] for p in portsec.read_state(sim.url)["regions"]["DFW"]["ports"]
                                         if p["name"] == "node01-cluster-net")


def test_a_member_that_is_no_server_of_the_simulator_is_refused(sim):
    with pytest.raises(portsec.NotAServer, match="ghost is no server"):
        portsec.plan(portsec.read_state(sim.url), ["node01", "ghost"], dict(FIXED, ghost=["192.168.100.19"]))
    with pytest.raises(portsec.NotAServer, match="not the lab's fixed addresses"):
        portsec.plan(portsec.read_state(sim.url), ["node01"], {"node01": ["192.168.100.50", "fd00:100::50"]})


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
