# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's VRRP arithmetic: priorities, first choices, router ids, peers, errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from ansible_collections.failover.shared_ip.plugins.filter import vrrp
from ansible_collections.failover.shared_ip.plugins.filter.vrrp import (
    FilterModule,
    default_router_id,
    priorities,
    vrrp_hand_back,
    vrrp_host,
    vrrp_manifest,
    vrrp_move_files,
    vrrp_move_offsets,
    vrrp_plan,
    vrrp_sources,
)


def hosts(count):
    return ["node%02d" % number for number in range(1, count + 1)]


def sources_for(members):
    return dict(
        (host, {"ipv4": "192.168.100.%d" % (10 + number), "ipv6": "fd00:100::%d" % (10 + number)})
        for number, host in enumerate(members, start=1)
    )


def plan(addresses, count=3, **kwargs):
    members = kwargs.pop("members", hosts(count))
    kwargs.setdefault("sources", sources_for(members))
    return vrrp_plan(addresses, members, interface="host0", **kwargs)


def vip(name, address, **extra):
    return dict(name=name, address=address, **extra)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 6, 10, 26, 100, 200, 253])
def test_priorities_are_distinct_descending_and_in_range(count):
    ranks = priorities(count)
    assert len(set(ranks)) == count
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] == 254
    assert min(ranks) >= 2  # 1 is left for drained or failing members


def test_too_many_members_is_an_error():
    result = plan([vip("a", "10.0.0.1")], count=254)
    assert "keepalived_vip_members: 254 members, at most 253 are supported" in result["errors"]


def test_preferred_order_gives_priorities():
    result = plan([vip("web", "192.168.100.100", preferred=["node02", "node03"])])
    assert result["errors"] == []
    (instance,) = result["instances"]
    assert instance["order"] == ["node02", "node03", "node01"]
    assert instance["priority"] == {"node02": 254, "node03": 249, "node01": 239}


@pytest.mark.parametrize("advert_int,second", [(1, 249), (2, 251), (5, 253), (0.5, 244), (0.2, 244), (0.01, 244)])
def test_the_second_choice_is_as_close_as_the_proven_lead_in_time_allows(advert_int, second):
    # a hand-over leaves the address nowhere for the second choice's skew, (256 - priority) / 256 of an
    # advert; the first keeps at least the lead that held the default soak, 5 priorities at 1 s (19.5 ms)
    result = plan([vip("web", "192.168.100.100", advert_int=advert_int)], count=4)
    assert result["errors"] == []
    ranks = sorted(result["instances"][0]["priority"].values(), reverse=True)
    assert ranks == [254, second, second - 10, second - 20]
    proven = 5 * 1000 / 256

    def lead(priority):
        return (254 - priority) * advert_int * 1000 / 256

    assert second == 244 or lead(second) >= proven > lead(second + 1)  # or a full step, at most


@pytest.mark.parametrize("count,naddr", [(3, 3), (3, 6), (10, 8), (4, 2), (5, 7)])
def test_first_choices_are_spread_evenly(count, naddr):
    addresses = [vip("a%d" % index, "10.0.0.%d" % (index + 1)) for index in range(naddr)]
    result = plan(addresses, count=count)
    assert result["errors"] == []
    firsts = collections.Counter(instance["order"][0] for instance in result["instances"])
    assert max(firsts.values()) - min(firsts.get(host, 0) for host in hosts(count)) <= 1


def test_spread_accounts_for_given_preferences():
    addresses = [
        vip("a", "10.0.0.1", preferred=["node01"]),
        vip("b", "10.0.0.2", preferred=["node01"]),
        vip("c", "10.0.0.3"),
        vip("d", "10.0.0.4"),
    ]
    result = plan(addresses)
    firsts = [instance["order"][0] for instance in result["instances"]]
    assert firsts[:2] == ["node01", "node01"]
    assert sorted(firsts[2:]) == ["node02", "node03"]


def test_every_order_is_a_permutation_of_the_members():
    result = plan([vip("a%d" % index, "10.0.1.%d" % index) for index in range(1, 9)], count=10)
    for instance in result["instances"]:
        assert sorted(instance["order"]) == hosts(10)


def test_plan_is_deterministic():
    addresses = [vip("a%d" % index, "10.0.1.%d" % index) for index in range(1, 9)]
    assert plan(addresses, count=10) == plan(addresses, count=10)


def test_router_ids_are_stable_unique_and_honour_given_ones():
    taken = default_router_id("web")
    result = plan([vip("db", "10.0.0.2", router_id=taken), vip("web", "10.0.0.1")])
    assert result["errors"] == []
    ids = [instance["router_id"] for instance in result["instances"]]
    assert ids[0] == taken and ids[1] != taken and 1 <= ids[1] <= 255
    # adding an address does not renumber an existing one
    alone = plan([vip("web", "10.0.0.1")])["instances"][0]["router_id"]
    more = plan([vip("web", "10.0.0.1"), vip("api", "10.0.0.3")])["instances"][0]["router_id"]
    assert alone == more == default_router_id("web")


def test_router_ids_are_per_interface():
    result = plan([vip("a", "10.0.0.1", router_id=7), vip("b", "10.0.0.2", router_id=7, interface="eth1")])
    assert result["errors"] == []


def test_many_addresses_get_distinct_router_ids():
    result = plan([vip("vip%d" % index, "10.1.%d.1" % index) for index in range(200)])
    assert result["errors"] == []
    assert len({instance["router_id"] for instance in result["instances"]}) == 200


def test_peers_and_sources_by_family():
    result = plan([vip("v4", "192.168.100.100/24"), vip("v6", "fd00:100::100")])
    assert result["errors"] == []
    v4, v6 = result["instances"]
    assert v4["address"] == "192.168.100.100/24" and v4["family"] == "ipv4" and v4["prefix"] == 24
    assert v6["address"] == "fd00:100::100/128" and v6["family"] == "ipv6"
    assert v4["peers"]["node01"] == ["192.168.100.12", "192.168.100.13"]
    assert v6["src"]["node02"] == "fd00:100::12"
    assert v6["peers"]["node02"] == ["fd00:100::11", "fd00:100::13"]


def test_plain_string_source():
    members = hosts(2)
    result = plan([vip("v4", "10.0.0.9")], members=members, sources={"node01": "10.0.0.1", "node02": "10.0.0.2"})
    assert result["errors"] == []
    assert result["instances"][0]["peers"] == {"node01": ["10.0.0.2"], "node02": ["10.0.0.1"]}


def test_fact_candidates_never_use_a_shared_address():
    """A member holding a shared IPv6 address lists it among its facts, possibly first."""
    members = hosts(2)
    sources = {"node01": {"ipv4": ["192.168.100.100", "192.168.100.11"], "ipv6": ["fd00:100::100", "fd00:100::11"]},
               "node02": {"ipv4": ["192.168.100.12"], "ipv6": ["fd00:100::12"]}}
    result = plan([vip("v4", "192.168.100.100"), vip("v6", "fd00:100::100")], members=members, sources=sources)
    assert result["errors"] == []
    v4, v6 = result["instances"]
    assert v4["src"] == {"node01": "192.168.100.11", "node02": "192.168.100.12"}
    assert v6["src"] == {"node01": "fd00:100::11", "node02": "fd00:100::12"}
    assert v6["peers"]["node02"] == ["fd00:100::11"]


def test_a_given_source_of_the_wrong_family_is_not_used():
    members = hosts(2)
    sources = {"node01": "10.0.0.1", "node02": {"ipv4": "10.0.0.2", "ipv6": "10.0.0.2"}}
    errors = plan([vip("v6", "fd00::9")], members=members, sources=sources)["errors"]
    assert len(errors) == 3 and "member node01 has no IPv6" in errors[0] and "member node02 has no IPv6" in errors[1]


def test_host_view():
    result = plan([vip("web", "192.168.100.100", preferred=["node02"])])
    (mine,) = vrrp_host(result, "node02")
    assert mine["priority"] == 254 and mine["first_choice"] is True
    assert mine["unicast_src"] == "192.168.100.12"
    assert mine["unicast_peers"] == ["192.168.100.11", "192.168.100.13"]
    assert mine["handover_below"] == 249  # the best of the others
    (theirs,) = vrrp_host(result, "node01")
    assert theirs["first_choice"] is False and theirs["priority"] < 254 and theirs["handover_below"] == 254


def test_defaults_are_merged_and_overridden_per_address():
    result = plan([vip("a", "10.0.0.1", advert_int=0.5), vip("b", "10.0.0.2")], defaults={"advert_int": 1, "preempt": True})
    a, b = result["instances"]
    assert a["advert_int"] == 0.5 and b["advert_int"] == 1 and b["preempt"] is True


@pytest.mark.parametrize("address,extra,version", [
    ("10.0.0.1", {}, 2),
    ("10.0.0.1", {"vrrp_version": 3}, 3),
    ("10.0.0.1", {"advert_int": 0.5}, 3),
    ("10.0.0.1", {"advert_int": 1.5}, 3),
    ("fd00::1", {"vrrp_version": 2}, 3),
])
def test_vrrp_version(address, extra, version):
    result = plan([vip("a", address, **extra)], defaults={"advert_int": 1, "vrrp_version": 2})
    assert result["instances"][0]["version"] == version


ERROR_CASES = [
    ([vip("web", "10.0.0.1"), vip("web", "10.0.0.2")],
     "keepalived_vip_addresses[1].name: 'web' is already used by keepalived_vip_addresses[0]"),
    ([vip("a", "10.0.0.1"), vip("b", "10.0.0.1/24")],
     "keepalived_vip_addresses[1].address: '10.0.0.1' is already used by keepalived_vip_addresses[0]"),
    ([vip("a", "10.0.0.300")],
     "keepalived_vip_addresses[0].address: '10.0.0.300' (a) is not an IPv4 or IPv6 address"),
    ([vip("a", "10.0.0.1", router_id=9), vip("b", "10.0.0.2", router_id=9)],
     "keepalived_vip_addresses[1].router_id: 9 (b) is already used on interface host0 by a"),
    ([vip("a", "10.0.0.1", router_id=300)],
     "keepalived_vip_addresses[0].router_id: 300 (a) must be an integer in 1..255"),
    ([vip("a", "10.0.0.1", preferred=["node09"])],
     "keepalived_vip_addresses[0].preferred: 'node09' (a) is not a member (keepalived_vip_members: node01, node02, node03)"),
    ([vip("a b", "10.0.0.1")],
     "keepalived_vip_addresses[0].name: 'a b' is not a valid name (letters, digits, '_', '.', '-'; at most 64)"),
    ([vip("a", "10.0.0.1", track=["haproxy"])],
     "keepalived_vip_addresses[0].track: 'haproxy' (a) is not a check defined in keepalived_vip_checks"),
]


@pytest.mark.parametrize("addresses,message", ERROR_CASES)
def test_bad_input_is_named(addresses, message):
    assert message in plan(addresses)["errors"]


def test_ipv6_address_needs_ipv6_sources():
    members = hosts(2)
    sources = {"node01": {"ipv4": "10.0.0.1"}, "node02": {"ipv4": "10.0.0.2", "ipv6": "fd00::2"}}
    errors = plan([vip("v6", "fd00::100")], members=members, sources=sources)["errors"]
    assert errors[0] == ("keepalived_vip_addresses[0].address: fd00::100 (v6) is IPv6 but member node01 has no "
                         "IPv6 unicast source on host0 (set keepalived_vip_unicast_src for it)")


def test_single_member_has_no_peer():
    errors = plan([vip("a", "10.0.0.1")], count=1)["errors"]
    assert errors == ["keepalived_vip_addresses[0]: a has no unicast peer (keepalived_vip_members: node01); "
                      "VRRP needs at least two members"]


def test_a_check_no_address_tracks_is_refused_naming_it():
    checks = [{"name": "alive", "type": "script", "script": "/bin/true"},
              {"name": "haproxy", "type": "process", "process": "haproxy"},
              {"name": "flag", "type": "file", "file": "/tmp/flag"}]
    result = plan([vip("web", "10.0.0.1", track=["alive"]), vip("api", "10.0.0.2", track=["flag"])], checks=checks)
    assert result["errors"] == [
        "keepalived_vip_checks[1].name: check 'haproxy' is tracked by no address (add it to the track list of an "
        "item of keepalived_vip_addresses, or remove it)"]
    assert vrrp_host(result, "node01") == []  # nothing is configured from it
    tracked = plan([vip("web", "10.0.0.1", track=["alive", "haproxy"]), vip("api", "10.0.0.2", track=["flag"])],
                   checks=checks)
    assert tracked["errors"] == []


def test_member_and_check_errors():
    checks = [{"name": "x", "type": "script", "script": "/bin/true"}, {"name": "x", "type": "file", "file": "/f"},
              {"name": "", "type": "process", "process": "haproxy"}, {"name": "y", "type": "tcp"},
              {"name": "z", "type": "interface"}]
    errors = vrrp_plan([], ["a", "a"], checks=checks)["errors"]
    assert "keepalived_vip_checks[3].type: 'tcp' (y) must be one of bfd, file, interface, process, script" in errors
    assert "keepalived_vip_checks[4].interface: check z of type interface needs it" in errors
    assert "keepalived_vip_members: 'a' is listed twice" in errors
    assert "keepalived_vip_checks[1].name: 'x' is used by more than one check" in errors
    assert "keepalived_vip_checks[2].name: '' is not a valid check name (letters, digits, '_', '.', '-')" in errors
    assert vrrp_plan([], [])["errors"] == ["keepalived_vip_members: the member list is empty"]


@pytest.mark.parametrize("count", [2, 3, 10, 30, 253])
def test_move_puts_the_target_on_top_and_keeps_the_others_order(count):
    result = plan([vip("web", "10.0.0.1")], count=count)
    instance = result["instances"][0]
    target = instance["order"][-1]
    offsets = vrrp_move_offsets(result, "web", target)
    effective = dict((host, instance["priority"][host] + offsets[host]) for host in instance["order"])
    assert max(effective, key=effective.get) == target
    assert len(set(effective.values())) == count
    assert all(2 <= value <= 254 for value in effective.values())
    others = [host for host in instance["order"] if host != target]
    assert sorted(others, key=effective.get, reverse=True) == others


def test_move_reset_and_errors():
    result = plan([vip("web", "10.0.0.1")])
    assert set(vrrp_move_offsets(result, "web").values()) == {0}
    with pytest.raises(ValueError, match=r"keepalived_vip_move.to: 'node09' is not a member"):
        vrrp_move_offsets(result, "web", "node09")
    with pytest.raises(ValueError, match=r"keepalived_vip_move.address: 'db' is not in keepalived_vip_addresses \(web\)"):
        vrrp_move_offsets(result, "db", "node01")


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"vrrp_sources", "vrrp_plan", "vrrp_host", "vrrp_manifest",
                                             "vrrp_move_files", "vrrp_move_offsets", "vrrp_hand_back"}


# the collections path the plugin under test was imported from (.build/collections in a checkout)
COLLECTIONS = pathlib.Path(vrrp.__file__).parents[5]
FILTERS = sorted(FilterModule().filters())


def ansible_doc(*args):
    """ansible-doc of the Python that runs the tests, on the tested collection's path only."""
    tool = pathlib.Path(sys.executable).with_name("ansible-doc")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([str(tool) if tool.exists() else shutil.which("ansible-doc"), *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0 and "WARNING" not in proc.stderr, proc.stdout + proc.stderr
    return proc.stdout


def test_every_filter_has_its_own_documentation():
    docs = json.loads(ansible_doc("--json", "-t", "filter", *("failover.shared_ip." + name for name in FILTERS)))
    assert sorted(docs) == ["failover.shared_ip." + name for name in FILTERS]
    for name in FILTERS:
        doc = docs["failover.shared_ip." + name]["doc"]
        assert doc["name"] == name
        assert pathlib.Path(doc["filename"]).name == name + ".yml"
        assert "_input" in doc["options"] and docs["failover.shared_ip." + name]["examples"]
        assert name in docs["failover.shared_ip." + name]["examples"]
    assert len(set(docs[key]["doc"]["short_description"] for key in docs)) == len(FILTERS)
    assert len(set(json.dumps(docs[key]["doc"]["description"]) for key in docs)) == len(FILTERS)


def test_the_filter_list_has_one_line_of_its_own_per_filter():
    lines = ansible_doc("-t", "filter", "-l", "failover.shared_ip").splitlines()
    assert [line.split()[0] for line in lines] == ["failover.shared_ip." + name for name in FILTERS]
    assert len(set(line.split(None, 1)[1] for line in lines)) == len(FILTERS)


def test_move_files_are_the_drain_and_one_offset_per_address():
    instances = vrrp_host(plan([vip("web", "10.0.0.1"), vip("api", "10.0.0.2")]), "node01")
    assert vrrp_move_files(instances, "/var/lib/keepalived-vip/") == [
        {"path": "/var/lib/keepalived-vip/drain", "content": "0\n"},
        {"path": "/var/lib/keepalived-vip/web.offset", "content": "0\n"},
        {"path": "/var/lib/keepalived-vip/api.offset", "content": "0\n"}]


def test_sources_come_from_the_given_value_or_the_interface_facts():
    hostvars = {
        "node01": {"keepalived_vip_unicast_src": {"ipv4": "10.0.0.1"}},
        "node02": {"ansible_facts": {"eth_1": {
            "ipv4": {"address": "10.0.0.2"}, "ipv4_secondaries": [{"address": "10.0.0.100"}],
            "ipv6": [{"address": "fe80::2", "scope": "link"}, {"address": "fd00::2", "scope": "global"}]}}},
        "node03": {"ansible_facts": {"eth0": {"ipv4": {"address": "10.9.9.9"}}}},  # another interface only
    }
    sources = vrrp_sources(["node01", "node02", "node03", "node04"], hostvars, "eth-1")
    assert sources == {"node01": {"ipv4": "10.0.0.1"},
                       "node02": {"ipv4": ["10.0.0.2", "10.0.0.100"], "ipv6": ["fd00::2"]},
                       "node03": {"ipv4": [], "ipv6": []},
                       "node04": {"ipv4": [], "ipv6": []}}


def test_an_interface_a_member_lacks_is_named_with_the_ones_it_has():
    facts = {"node01": {"ansible_facts": {"interfaces": ["lo", "host0"],
                                          "host0": {"ipv4": {"address": "10.0.0.1"}}}},
             "node02": {"ansible_facts": {"interfaces": ["eth1", "lo"], "eth1": {"ipv4": {"address": "10.0.0.2"}}}},
             "node03": {"ansible_facts": {"interfaces": ["eth1", "lo", "ens3"],
                                          "eth1": {"ipv4": {"address": "10.0.0.3"}}}}}
    sources = vrrp_sources(hosts(3), facts, "eth1")
    assert sources["node01"] == {"ipv4": [], "ipv6": [], "missing_interface": "eth1", "interfaces": ["host0", "lo"]}
    assert sources["node02"] == {"ipv4": ["10.0.0.2"], "ipv6": []}
    errors = plan([vip("web", "10.0.0.9"), vip("api", "10.0.0.10")], sources=sources)["errors"]
    assert errors == ["keepalived_vip_interface: eth1 does not exist on member node01 (its interfaces: host0, lo)"]


def test_an_interface_that_exists_without_an_address_keeps_the_source_hint():
    facts = {host: {"ansible_facts": {"interfaces": ["eth1", "lo"], "eth1": {"ipv4": {"address": address}}}}
             for host, address in (("node01", None), ("node02", "10.0.0.2"))}
    errors = plan([vip("web", "10.0.0.9")], members=hosts(2), sources=vrrp_sources(hosts(2), facts, "eth1"))["errors"]
    assert errors == ["keepalived_vip_addresses[0].address: 10.0.0.9 (web) is IPv4 but member node01 has no IPv4 "
                      "unicast source on host0 (set keepalived_vip_unicast_src for it)"]


def test_members_without_a_source_are_all_named():
    members = hosts(3)
    sources = vrrp_sources(members, {"node01": {"keepalived_vip_unicast_src": "10.0.0.1"}}, "eth0")
    errors = plan([vip("v4", "10.0.0.9")], members=members, sources=sources)["errors"]
    assert [e.split(" but ")[1].split(" has ")[0] for e in errors] == ["member node02", "member node03"]


@pytest.mark.parametrize("password, ok", [
    ("s3cret", True), ("12345678", True), (12345678, True), ("", True),
    ("much-too-long", False), ("with space", False), ("caf\u00e9", False), (True, False),
])
def test_auth_pass_is_one_to_eight_printable_characters(password, ok):
    result = plan([vip("web", "10.0.0.1", auth_pass=password)])
    messages = [e for e in result["errors"] if "auth_pass" in e]
    assert (messages == []) == ok
    if not ok:
        assert messages == ["keepalived_vip_addresses[0].auth_pass of web: 1 to 8 printable ASCII characters "
                            "without spaces (value not shown)"]
        assert str(password) not in messages[0]


def test_a_bad_default_password_names_the_default():
    errors = plan([vip("web", "10.0.0.1")], defaults={"auth_pass": "much-too-long"})["errors"]
    assert errors == ["keepalived_vip_auth_pass (for keepalived_vip_addresses[0]).auth_pass of web: 1 to 8 "
                      "printable ASCII characters without spaces (value not shown)"]


def test_every_error_at_once():
    checks = [{"name": "x", "type": "tcp"}]
    addresses = [vip("a b", "10.0.0.300", auth_pass="much-too-long", track=["y"], router_id=0),
                 vip("c", "10.0.0.1", preferred=["node09"])]
    errors = vrrp_plan(addresses, ["node01", "node02", "node01"], sources_for(hosts(2)), "eth0", checks,
                       host="node07")["errors"]
    expected = ["'node01' is listed twice", "this host node07 is not a member", "keepalived_vip_checks[0].type",
                "[0].name: 'a b'", "[0].address: '10.0.0.300'", "[0].track: 'y'", "[0].router_id: 0",
                "[0].auth_pass of a b", "[1].preferred: 'node09'", "keepalived_vip_checks[0].name: check 'x' is tracked"]
    for fragment in expected:
        assert [e for e in errors if fragment in e], (fragment, errors)
    assert len(errors) == len(expected)


def test_the_host_must_be_a_member():
    assert plan([vip("a", "10.0.0.1")], host="node02")["errors"] == []
    assert plan([vip("a", "10.0.0.1")], host="node09")["errors"] == [
        "keepalived_vip_members: this host node09 is not a member (node01, node02, node03)"]


def test_checks_get_the_role_defaults():
    checks = [{"name": "alive", "type": "script", "script": "/bin/true", "timeout": 1},
              {"name": "nic", "type": "interface", "interface": "eth1", "weight": 0},
              {"name": "haproxy", "type": "process", "process": "haproxy", "extra": ["param_match partial"]}]
    normalised = plan([vip("web", "10.0.0.1", track=["alive", "nic", "haproxy"])], checks=checks)["checks"]
    assert normalised[0] == {"name": "alive", "type": "script", "script": "/bin/true", "timeout": 1, "interval": 2,
                             "fall": 2, "rise": 2, "weight": -253, "extra": []}
    assert normalised[1]["weight"] == 0
    assert normalised[2] == {"name": "haproxy", "type": "process", "process": "haproxy", "weight": -253,
                             "extra": ["param_match partial"]}


def test_host_view_splits_the_tracked_checks_by_kind():
    checks = [{"name": "alive", "type": "script", "script": "/bin/true"},
              {"name": "haproxy", "type": "process", "process": "haproxy"},
              {"name": "nic", "type": "interface", "interface": "eth1", "weight": -50},
              {"name": "flag", "type": "file", "file": "/tmp/flag"},
              {"name": "gateway", "type": "bfd", "neighbor": "10.0.0.254"}]
    result = plan([vip("web", "10.0.0.1", track=["nic", "flag", "haproxy", "alive", "gateway"]), vip("api", "10.0.0.2")],
                  checks=checks)
    web, api = vrrp_host(result, "node01")
    assert (web["track_script"], web["track_process"], web["track_file"]) == (["alive"], ["haproxy"], ["flag"])
    assert web["track_interface"] == [{"interface": "eth1", "weight": -50}] and web["track_bfd"] == ["gateway"]
    assert api["track_script"] == api["track_process"] == api["track_file"] == api["track_interface"] == []
    assert api["track_bfd"] == []
    assert result["checks"][-1] == {"name": "gateway", "type": "bfd", "neighbor": "10.0.0.254", "min_rx": 50,
                                    "min_tx": 50, "multiplier": 3, "weight": -253, "extra": []}


@pytest.mark.parametrize("check, message", [
    ({"name": "gw", "type": "bfd"}, "keepalived_vip_checks[0].neighbor: check gw of type bfd needs it"),
    ({"name": "gw", "type": "bfd", "neighbor": "router1"}, "keepalived_vip_checks[0].neighbor: 'router1' (gw) is not an IP"),
    ({"name": "gw", "type": "bfd", "neighbor": "fd00::1", "source": "fd00::2/64"},
     "keepalived_vip_checks[0].source: 'fd00::2/64' (gw) is not an IP address"),
    ({"name": "gw", "type": "bfd", "source": ""}, "keepalived_vip_checks[0].source: '' (gw) is not an IP address"),
    ({"name": "gw", "type": "bfd", "neighbor": "fd00::1", "source": "10.0.0.2"},
     "keepalived_vip_checks[0].source: '10.0.0.2' (gw) is IPv4, neighbor 'fd00::1' is IPv6"),
    ({"name": "g" * 32, "type": "bfd", "neighbor": "10.0.0.254"},
     "keepalived_vip_checks[0].name: '%s' is longer than the 31 characters keepalived takes" % ("g" * 32)),
    ({"name": "gw", "type": "bfd", "neighbor": "10.0.0.254", "min_rx": 0.5},
     "keepalived_vip_checks[0].min_rx: 0.5 (gw) must be milliseconds from 1 to 4294967, 3 decimals at most"),
    ({"name": "gw", "type": "bfd", "neighbor": "10.0.0.254", "min_tx": "1.2345"},
     "keepalived_vip_checks[0].min_tx: '1.2345' (gw) must be milliseconds"),
    ({"name": "gw", "type": "bfd", "neighbor": "10.0.0.254", "multiplier": 0},
     "keepalived_vip_checks[0].multiplier: 0 (gw) must be a whole number from 1 to 255"),
])
def test_a_bfd_check_is_refused_where_keepalived_would_refuse_or_ignore_it(check, message):
    errors = plan([vip("web", "10.0.0.1", track=[check["name"]])], checks=[check])["errors"]
    assert any(error.startswith(message) for error in errors), errors


def test_a_bfd_check_takes_its_settings_as_yaml_gives_them():
    check = {"name": "gw", "type": "bfd", "neighbor": "10.0.0.254", "min_rx": "20", "min_tx": 12.5, "multiplier": "5"}
    assert plan([vip("web", "10.0.0.1", track=["gw"])], checks=[check])["errors"] == []


def test_two_bfd_checks_of_one_session_are_refused():
    checks = [{"name": "gw", "type": "bfd", "neighbor": "10.0.0.254"},
              {"name": "gw2", "type": "bfd", "neighbor": "10.0.0.254", "multiplier": 5}]
    errors = plan([vip("web", "10.0.0.1", track=["gw", "gw2"])], checks=checks)["errors"]
    assert errors == ["keepalived_vip_checks[1].neighbor: '10.0.0.254' (gw2) already has a session from check gw"]


def test_host_view_of_a_plan_with_errors_is_empty():
    assert vrrp_host(plan([vip("a", "10.0.0.300")]), "node01") == []


def test_manifest_lists_each_address_with_its_members_and_preemption():
    result = plan([vip("web", "10.0.0.1", preferred=["node02"]),
                   vip("web6", "fd00::1", interface="eth1", preempt="no", preempt_delay=5)],
                  defaults={"preempt": True, "preempt_delay": "0"})
    manifest = vrrp_manifest(vrrp_host(result, "node01"), "/run/keepalived-vip")
    assert manifest == {"run_dir": "/run/keepalived-vip", "addresses": [
        {"name": "web", "address": "10.0.0.1/32", "interface": "host0", "members": ["node02", "node03", "node01"],
         "preempt": True, "preempt_delay": 0},
        {"name": "web6", "address": "fd00::1/128", "interface": "eth1", "members": ["node01", "node02", "node03"],
         "preempt": False, "preempt_delay": 5}]}


def status(*vips):
    """vip_status's `vips`: (name, held, state, priority) each."""
    return [{"name": name, "address": "10.0.0.%d" % index, "held": held, "state": state, "priority": priority}
            for index, (name, held, state, priority) in enumerate(vips, start=1)]


def manifest_addresses(*names, **settings):
    return [dict({"name": name, "members": ["node01", "node02", "node03"], "preempt": True, "preempt_delay": 0},
                 **settings) for name in names]


def test_an_undrained_member_gets_back_what_a_lower_priority_holds():
    mine = status(("web", False, "BACKUP", 254), ("api", False, "BACKUP", 249), ("db", False, "BACKUP", 254))
    others = [{"item": "node02", "vips": status(("web", True, "MASTER", 249), ("api", True, "MASTER", 254),
                                                ("db", False, "BACKUP", 249))},
              {"item": "node03", "vips": status(("web", False, "BACKUP", 239), ("api", False, "BACKUP", 239),
                                                ("db", True, "MASTER", 254))},
              {"item": "node04", "skipped": True}]
    # api: node02 comes first for it; db: its holder has the same priority (keepalived would not preempt)
    assert vrrp_hand_back(others, mine, manifest_addresses("web", "api", "db"), "/var/lib/kv/") == [
        {"host": "node02", "names": ["web"], "files": ["/var/lib/kv/web.handover"]}]


def test_what_one_member_hands_back_comes_in_one_item():
    mine = status(("web", False, "BACKUP", 254), ("api", False, "BACKUP", 254))
    others = [{"item": "node02", "vips": status(("web", True, "MASTER", 249), ("api", True, "MASTER", 1))}]
    assert vrrp_hand_back(others, mine, manifest_addresses("web", "api"), "/s") == [
        {"host": "node02", "names": ["web", "api"], "files": ["/s/web.handover", "/s/api.handover"]}]


@pytest.mark.parametrize("mine_state, mine_priority", [("FAULT", 254), ("BACKUP", None), ("MASTER", 254)])
def test_nothing_comes_back_unless_this_member_is_a_backup_of_known_priority(mine_state, mine_priority):
    others = [{"item": "node02", "vips": status(("web", True, "MASTER", 249))}]
    assert vrrp_hand_back(others, status(("web", False, mine_state, mine_priority)), manifest_addresses("web"), "/s") == []


@pytest.mark.parametrize("settings", [{"preempt": False}, {"preempt_delay": 5}])
def test_nothing_comes_back_at_once_without_preemption_or_with_a_delay(settings):
    others = [{"item": "node02", "vips": status(("web", True, "MASTER", 249))}]
    mine = status(("web", False, "BACKUP", 254))
    assert vrrp_hand_back(others, mine, manifest_addresses("web", **settings), "/s") == []
    assert vrrp_hand_back(others, mine, manifest_addresses("web"), "/s") == [
        {"host": "node02", "names": ["web"], "files": ["/s/web.handover"]}]
