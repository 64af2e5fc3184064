# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decide step on hand-made snapshots: no cloud, no Ansible. Cluster entries, identity per entry,
port room summed over entries, exclusive deletion, and the role's address shape."""

from __future__ import annotations

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _decide as decide
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PlanError, label_key
from ansible_collections.failover.shared_ip.plugins.module_utils._read import Snapshot
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.cloud_data import (
    CLUSTER_NET,
    actions,
    addr,
    aid,
    pid,
    port,
    server,
    sid,
)


def snapshot(servers, addresses=(), nums=(1, 2, 3)):
    snap = Snapshot()
    snap.network = CLUSTER_NET
    snap.add_servers(servers)
    snap.found = dict((s["name"], [s]) for s in servers)
    snap.add_ports([port(n) for n in nums])
    snap.add_addresses(list(addresses))
    snap.services = dict((a["id"], dict((p, "compute") for p in a["port_ids"])) for a in addresses)
    return snap


NODES = ["node01", "node02", "node03"]


@pytest.mark.parametrize("addresses, message", [
    ([{"name": "web"}, {"name": "web"}], "addresses[].name=web: given more than once"),
    ([{"name": "a", "address": "192.168.100.150"}, {"name": "b", "address": "192.168.100.150"}],
     "addresses[].address=192.168.100.150: given more than once"),
    ([{"name": "web", "servers": ["node01"]}], "addresses[0].servers=[node01]: a shared IP needs at least two members"),
    ([{"name": "web", "servers": ["node01", "node09"]}], "addresses[0].servers=[node09]: not among the cluster's"),
    ([{"name": "web", "preferred": ["node09"]}], "addresses[0].preferred=node09: not among this address's servers"),
    ([{"name": "web", "address": "fd00:100::5", "version": 4}],
     "addresses[0].address=fd00:100::5: is an IPv6 address but version is 4"),
    ([{"name": "web", "address": "nope"}], "addresses[0].address=nope: not an IPv4 or IPv6 address"),
    ([{"name": ""}], "addresses[0].name=: must be 1 to"),
])
def test_cluster_entries_refusals(addresses, message):
    with pytest.raises(PlanError) as err:
        decide.cluster_entries({"servers": NODES, "addresses": addresses})
    assert str(err.value).startswith(message)


def test_cluster_entries_default_to_all_members():
    items = [{"name": "web"}, {"name": "adm", "servers": NODES[1:]}]
    entries = decide.cluster_entries({"servers": NODES, "addresses": items})
    assert [(e["servers"], e["associate"]) for e in entries] == [(NODES, True), (NODES[1:], True)]


def test_decide_cluster_creates_grows_and_leaves_alone():
    web = {label_key("web"): aid(1)}
    servers = [server(1, **web), server(2, **web), server(3)]
    snap = snapshot(servers, [addr(1, 1, 2)])
    entries = decide.cluster_entries({"servers": NODES, "addresses": [{"name": "web"}, {"name": "api"}]})
    found = decide.cluster_identities(snap, entries)
    assert found["web"]["id"] == aid(1) and found["api"] is None
    plans = decide.decide_cluster(snap, {"servers": NODES}, entries, found)
    assert actions(plans["web"][1]) == ["set ports to node01, node02, node03", "associate node03",
                                        "label node03 failover-shared-ip:web"]
    assert actions(plans["api"][1])[0] == "create api (IPv4, address picked by the cloud) on cluster-net for node01, node02, node03"


def test_port_room_is_summed_over_the_entries():
    """Each port holds its fixed address; four new shared IPs fit (5), a fifth does not."""
    servers = [server(1), server(2)]
    snap = snapshot(servers, nums=(1, 2))
    request = {"servers": NODES[:2], "addresses": [{"name": "a%d" % n} for n in range(4)]}
    entries = decide.cluster_entries(request)
    decide.decide_cluster(snap, request, entries, decide.cluster_identities(snap, entries))
    request["addresses"].append({"name": "a4"})
    entries = decide.cluster_entries(request)
    with pytest.raises(PlanError, match=r"servers=node01: port .* already holds 1 addresses .*; 5 more asked for"):
        decide.decide_cluster(snap, request, entries, decide.cluster_identities(snap, entries))


@pytest.mark.parametrize("exclusive, deleted", [(False, []), (True, ["old"])])
def test_exclusive_deletes_only_this_clusters_unlisted_addresses(exclusive, deleted):
    old = {label_key("old"): aid(2)}
    servers = [server(1, **old), server(2, **old), server(3, **{label_key("elsewhere"): aid(3)})]
    # aid(2): labelled "old" on members, every port a member's: this cluster's. aid(3): held by a
    # non-member's port too: another cluster's, never deleted.
    snap = snapshot(servers, [addr(2, 1, 2), addr(3, 3, 4)])
    request = {"servers": NODES, "addresses": [{"name": "web"}], "exclusive": exclusive}
    entries = decide.cluster_entries(request)
    plans = decide.decide_cluster(snap, request, entries, decide.cluster_identities(snap, entries))
    assert sorted(k for k in plans if k != "web") == deleted
    if exclusive:
        assert actions(plans["old"][1])[-3:] == ["delete 192.168.100.101", "unlabel node01 failover-shared-ip:old",
                                                 "unlabel node02 failover-shared-ip:old"]


@pytest.mark.parametrize("state, expected", [
    ({"address": "192.168.100.100", "subnet_id": "sub-v4"}, "192.168.100.100/24"),
    ({"address": "fd00:100::100", "subnet_id": "sub-v6"}, "fd00:100::100/64"),
    ({"address": "203.0.113.9", "subnet_id": None}, "203.0.113.9/32"),       # no subnet known: a host prefix
])
def test_with_prefix(state, expected):
    assert decide.with_prefix(state, CLUSTER_NET) == expected


def test_vip_addresses_take_the_roles_shape():
    entries = decide.cluster_entries({"servers": NODES, "addresses": [
        {"name": "web", "preferred": ["node02", "node01"]}, {"name": "api"}]})
    entries[1]["role"] = {"router_id": 51, "track": ["http"]}
    states = {"web": {"address": "192.168.100.100", "subnet_id": "sub-v4"},
              "api": {"address": "192.168.100.101", "subnet_id": "sub-v4"}}
    assert decide.vip_addresses(entries, states, CLUSTER_NET) == ([
        {"name": "web", "address": "192.168.100.100/24", "preferred": ["node02", "node01"]},
        {"name": "api", "address": "192.168.100.101/24", "router_id": 51, "track": ["http"]}], [])


def test_vip_addresses_leave_out_what_the_cloud_has_not_picked_yet():
    entries = decide.cluster_entries({"servers": NODES, "addresses": [{"name": "web"}, {"name": "api"}]})
    states = {"web": {"address": None}, "api": {"address": "192.168.100.101", "subnet_id": "sub-v4"}}
    vips, pending = decide.vip_addresses(entries, states, CLUSTER_NET)
    assert vips == [{"name": "api", "address": "192.168.100.101/24"}]
    assert [p["name"] for p in pending] == ["web"] and "the cloud picks" in pending[0]["reason"]


def test_binding_onto_a_full_port_is_refused():
    servers = [server(1), server(2), server(3)]
    snap = snapshot(servers, [addr(1, 1, 2)] + [addr(n, 3, 2) for n in range(5, 9)])
    snap.holders.update({pid(1): sid(1), pid(2): sid(2)})
    with pytest.raises(PlanError, match="^server=node03: port .* already holds 5 addresses"):
        decide.decide_binding(snap, {"name": None}, servers[2], snap.address(aid(1)))
