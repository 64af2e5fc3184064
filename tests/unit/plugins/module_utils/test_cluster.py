# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_cluster: the items of the cluster module's addresses, and the role's settings they carry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.failover.shared_ip.plugins.module_utils import _cluster as cluster_items
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PlanError, label_key
from ansible_collections.failover.shared_ip.plugins.modules import cluster as cluster_module
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.cloud_data import (
    CLUSTER_NET,
    actions,
    addr,
    aid,
    server,
    snapshot,
)

ROOT = Path(__file__).resolve().parents[4]
FILLED_IN_BY_THE_MODULE = ("name", "address", "preferred")
KEYS = ("type", "elements", "choices", "no_log")


def role_item_options():
    spec = yaml.safe_load((ROOT / "roles" / "keepalived_vip" / "meta" / "argument_specs.yml").read_text())
    return spec["argument_specs"]["main"]["options"]["keepalived_vip_addresses"]["options"]


def essentials(options, keys=KEYS):
    return dict((name, dict((k, o[k]) for k in keys if o.get(k) not in (None, False)))
                for name, o in options.items())


def test_the_role_settings_are_a_copy_of_the_roles_spec():
    """The one source is the role's argument spec: the module's copy names the same settings with the same
    types, elements, choices and no_log, less what the module fills in itself."""
    role = dict((k, v) for k, v in role_item_options().items() if k not in FILLED_IN_BY_THE_MODULE)
    assert essentials(cluster_items.ROLE_SETTINGS) == essentials(role)


def test_the_documentation_lists_every_setting_of_an_item_with_its_type():
    docs = yaml.safe_load(cluster_module.DOCUMENTATION)["options"]["addresses"]["suboptions"]
    keys = ("type", "elements", "choices")
    assert essentials(docs, keys) == essentials(cluster_items.ITEM_SPEC, keys)
    role = role_item_options()
    assert essentials(dict((k, docs[k]) for k in cluster_items.ROLE_SETTINGS), keys) == \
        essentials(dict((k, role[k]) for k in cluster_items.ROLE_SETTINGS), keys)


def test_an_item_is_converted_to_the_types_of_the_spec():
    item = {"name": "web", "router_id": "51", "advert_int": 1, "track": ["http"], "preempt": "no", "version": "6"}
    assert cluster_items.check_item(0, item) == {"name": "web", "router_id": 51, "advert_int": 1.0,
                                                 "track": ["http"], "preempt": False, "version": 6}
    assert cluster_items.role_part(cluster_items.check_item(0, item)) == {
        "router_id": 51, "advert_int": 1.0, "track": ["http"], "preempt": False}


@pytest.mark.parametrize("item, message", [
    ({"name": "web", "trak": ["http"]}, "addresses[1].trak=[http]: no such setting (did you mean track?); an address takes"),
    ({"name": "web", "addr": "192.168.100.150"}, "addresses[1].addr=192.168.100.150: no such setting (did you mean address?)"),
    ({"name": "web", "router_id": "one"}, "addresses[1].router_id=one: must be a whole number (the role's "
                                          "keepalived_vip_addresses[].router_id)"),
    ({"name": "web", "track": {"http": 1}}, "addresses[1].track={'http': 1}: must be a list of strings"),
    ({"name": "web", "vrrp_version": 4}, "addresses[1].vrrp_version=4: must be one of 2, 3"),
    ({"name": "web", "preempt": "maybe"}, "addresses[1].preempt=maybe: must be a boolean"),
    ({"name": "web", "version": 5}, "addresses[1].version=5: must be one of 4, 6"),
    ({"name": "web", "auth_pass": "s3cret", "garp_master_delay": "soon"},
     "addresses[1].garp_master_delay=soon: must be a whole number"),
    ({"name": "web", "auth_pass": "s3cret", "auth_pas": "s3cret"}, "addresses[1].auth_pas=********: no such setting (did you mean auth_pass?)"),
    ("web", "addresses[1]=web: must be a dict"),
])
def test_a_bad_setting_is_refused_by_its_place(item, message):
    with pytest.raises(PlanError, match="^" + re.escape(message)):
        cluster_items.check_items([{"name": "ok"}, item])


def test_a_secret_is_never_shown_in_a_refusal():
    with pytest.raises(PlanError) as err:
        cluster_items.check_items([{"name": "web", "auth_pass": ["s3cret"], "trak": "x"}])
    assert "s3cret" not in str(err.value)


def test_secrets_are_the_auth_pass_values():
    assert cluster_items.secrets([{"name": "a", "auth_pass": "s3cret"}, {"name": "b"}, "junk"]) == ["s3cret"]


# ---------------------------------------------------------------- decide, on hand-made snapshots

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
        cluster_items.entries({"servers": NODES, "addresses": addresses})
    assert str(err.value).startswith(message)


def test_a_preferred_member_spelt_unlike_its_server_is_named_as_a_near_miss():
    with pytest.raises(PlanError) as err:
        cluster_items.entries({"servers": ["Node01", "node02"], "addresses": [{"name": "web", "preferred": ["node01"]}]})
    assert str(err.value) == ("addresses[0].preferred=node01: not among this address's servers Node01, node02 (Node01 "
                              "is spelt differently: servers and preferred must name it alike)")
    assert err.value.candidates == ["Node01"]
    with pytest.raises(PlanError) as err:  # another server, not a spelling of one
        cluster_items.entries({"servers": ["node01", "node02"], "addresses": [{"name": "web", "preferred": ["node03"]}]})
    assert str(err.value).endswith("not among this address's servers node01, node02") and err.value.candidates == []


def test_cluster_entries_default_to_all_members():
    items = [{"name": "web"}, {"name": "adm", "servers": NODES[1:]}]
    entries = cluster_items.entries({"servers": NODES, "addresses": items})
    assert [(e["servers"], e["associate"]) for e in entries] == [(NODES, True), (NODES[1:], True)]


def test_decide_cluster_creates_grows_and_leaves_alone():
    web = {label_key("web"): aid(1)}
    servers = [server(1, **web), server(2, **web), server(3)]
    snap = snapshot(servers, [addr(1, 1, 2)])
    entries = cluster_items.entries({"servers": NODES, "addresses": [{"name": "web"}, {"name": "api"}]})
    found = cluster_items.identities(snap, entries)
    assert found["web"]["id"] == aid(1) and found["api"] is None
    plans = cluster_items.decide(snap, {"servers": NODES}, entries, found)
    assert actions(plans["web"][1]) == ["set ports to node01, node02, node03", "associate node03",
                                        "label node03 failover-shared-ip:web"]
    assert actions(plans["api"][1])[0] == "create api (IPv4, address picked by the cloud) on cluster-net for node01, node02, node03"


def test_port_room_is_summed_over_the_entries():
    """Each port holds its fixed address; four new shared IPs fit (5), a fifth does not."""
    servers = [server(1), server(2)]
    snap = snapshot(servers, nums=(1, 2))
    request = {"servers": NODES[:2], "addresses": [{"name": "a%d" % n} for n in range(4)]}
    entries = cluster_items.entries(request)
    cluster_items.decide(snap, request, entries, cluster_items.identities(snap, entries))
    request["addresses"].append({"name": "a4"})
    entries = cluster_items.entries(request)
    with pytest.raises(PlanError, match=r"servers=node01: its port on cluster-net already holds 1 addresses .*; 5 more asked for"):
        cluster_items.decide(snap, request, entries, cluster_items.identities(snap, entries))


@pytest.mark.parametrize("exclusive, deleted", [(False, []), (True, ["old"])])
def test_exclusive_deletes_only_this_clusters_unlisted_addresses(exclusive, deleted):
    old = {label_key("old"): aid(2)}
    servers = [server(1, **old), server(2, **old), server(3, **{label_key("elsewhere"): aid(3)})]
    # aid(2): labelled "old" on members, every port a member's: this cluster's. aid(3): held by a
    # non-member's port too: another cluster's, never deleted.
    snap = snapshot(servers, [addr(2, 1, 2), addr(3, 3, 4)])
    request = {"servers": NODES, "addresses": [{"name": "web"}], "exclusive": exclusive}
    entries = cluster_items.entries(request)
    plans = cluster_items.decide(snap, request, entries, cluster_items.identities(snap, entries))
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
    assert cluster_items.with_prefix(state, CLUSTER_NET) == expected


def test_vip_addresses_take_the_roles_shape():
    entries = cluster_items.entries({"servers": NODES, "addresses": [
        {"name": "web", "preferred": ["node02", "node01"]}, {"name": "api"}]})
    entries[1]["role"] = {"router_id": 51, "track": ["http"]}
    states = {"web": {"address": "192.168.100.100", "subnet_id": "sub-v4"},
              "api": {"address": "192.168.100.101", "subnet_id": "sub-v4"}}
    assert cluster_items.vip_addresses(entries, states, CLUSTER_NET) == ([
        {"name": "web", "address": "192.168.100.100/24", "preferred": ["node02", "node01"]},
        {"name": "api", "address": "192.168.100.101/24", "router_id": 51, "track": ["http"]}], [])


def test_vip_addresses_leave_out_what_the_cloud_has_not_picked_yet():
    entries = cluster_items.entries({"servers": NODES, "addresses": [{"name": "web"}, {"name": "api"}]})
    states = {"web": {"address": None}, "api": {"address": "192.168.100.101", "subnet_id": "sub-v4"}}
    vips, pending = cluster_items.vip_addresses(entries, states, CLUSTER_NET)
    assert vips == [{"name": "api", "address": "192.168.100.101/24"}]
    assert [p["name"] for p in pending] == ["web"] and "the cloud picks" in pending[0]["reason"]
