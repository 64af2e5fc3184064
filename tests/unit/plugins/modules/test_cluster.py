# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""failover.shared_ip.cluster in-process against the real simulator."""

from __future__ import absolute_import, division, print_function

import json

import pytest
import requests

from ansible_collections.failover.shared_ip.plugins.modules import address, address_info, cluster
from ansible_collections.failover.shared_ip.tests.unit.plugins.modules.module_support import (
    CLUSTER,
    PAIR,
    login,
    refused,
    run,
    writes,
)


def test_cluster_check_real_repeat(sim, capsys):
    requests.post(sim.url + "/_sim/reset", timeout=10)
    planned = run(cluster, dict(CLUSTER, **login(sim)), capsys, check=True)
    assert planned["changed"] and writes(sim) == 0
    done = run(cluster, dict(CLUSTER, **login(sim)), capsys)
    assert done["changed"] and done["actions"] == planned["actions"]
    assert done["keepalived_vip_addresses"] == [
        {"name": "web", "address": "192.168.100.100/24", "preferred": ["node02", "node01"]},
        {"name": "api", "address": "192.168.100.150/24"},
        {"name": "web6", "address": "fd00:100::100/64"}]
    associated = [[m["associated"] for m in ip["members"]] for ip in done["shared_ips"]]
    assert associated == [[True] * 3, [True] * 3, [True] * 2]
    requests.post(sim.url + "/_sim/reset", timeout=10)
    again = run(cluster, dict(CLUSTER, **login(sim)), capsys)
    assert not again["changed"] and again["actions"] == [] and writes(sim) == 0
    assert again["keepalived_vip_addresses"] == done["keepalived_vip_addresses"]


def test_cluster_grow_shrink_exclusive(sim, capsys):
    run(cluster, dict(CLUSTER, **login(sim)), capsys)
    grown = run(cluster, dict(CLUSTER, servers=["node01", "node02", "node03", "node04"], **login(sim)), capsys)
    assert "web: associate node04" in grown["actions"] and "api: associate node04" in grown["actions"]
    assert not [a for a in grown["actions"] if a.startswith("web6:")]
    shrunk = run(cluster, dict(CLUSTER, servers=["node02", "node03", "node04"],
                               addresses=[{"name": "web"}, {"name": "api"},
                                          {"name": "web6", "servers": ["node02", "node03"]}], **login(sim)), capsys)
    assert shrunk["actions"].index("web: disassociate node01") < shrunk["actions"].index(
        "web: set ports to node02, node03, node04")
    kept = run(cluster, dict(CLUSTER, servers=["node02", "node03", "node04"], exclusive=True,
                             addresses=[{"name": "web"}], **login(sim)), capsys)
    assert kept["deleted"] == ["api", "web6"]
    listed = run(address_info, dict(login(sim), network="cluster-net"), capsys)["shared_ips"]
    assert [ip["name"] for ip in listed] == ["web"]


def test_cluster_refusals(sim, capsys):
    run(address, dict(PAIR, name="db", address="192.168.100.150", **login(sim)), capsys)
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web", "address": "192.168.100.150"}]),
            "addresses[0].name=web: address=192.168.100.150 points at shared IP")
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web", "servers": ["node09", "node01"]}]),
            "addresses[0].servers=[node09]: not among the cluster's servers")
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web"}, {"name": "web"}]),
            "addresses[].name=web: given more than once")
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web", "preferred": ["node09"]}]),
            "addresses[0].preferred=node09: not among this address's servers")


def test_cluster_asked_address_next_to_one_the_cloud_picks(sim, capsys):
    """192.168.100.100 is what the cloud picks next: the item asking for it is created first."""
    for _round in range(3):
        requests.post(sim.url + "/_sim/reset-state", timeout=10)
        out = run(cluster, dict(login(sim), network="cluster-net", servers=["node01", "node02"],
                                addresses=[{"name": "picked"}, {"name": "asked", "address": "192.168.100.100"}]),
                  capsys)
        assert [a["address"] for a in out["keepalived_vip_addresses"]] == ["192.168.100.101/24", "192.168.100.100/24"]


@pytest.mark.parametrize("args, message", [
    ({"servers": ["node01", "node99"]}, "servers=node99: no such server"),
    ({"network": "public", "servers": ["node09", "node10"]}, "servers=[node09, node10]: PublicNet members must"),
    ({"servers": ["node01", "solo"]}, "servers=solo: no such server"),
])
def test_cluster_members_are_refused_as_servers(sim, capsys, args, message):
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web"}], **args), message)


def test_cluster_passes_the_roles_secret_on_and_masks_it_elsewhere(sim, capsys):
    args = login(sim, network="cluster-net", servers=["node01", "node02"],
                 addresses=[{"name": "web", "address": "192.168.100.150", "auth_pass": "s3cret", "router_id": 9}])
    out = run(cluster, args, capsys)
    assert out["keepalived_vip_addresses"] == [{"name": "web", "address": "192.168.100.150/24", "auth_pass": "s3cret",
                                                "router_id": 9}]
    # only where the role reads it (the invocation, where this ansible-core returns one, the diff and the rest hide it)
    elsewhere = {key: value for key, value in out.items() if key != "keepalived_vip_addresses"}
    assert "s3cret" not in json.dumps(elsewhere) and "demo-api-key" not in json.dumps(out)
    refused = run(cluster, dict(args, servers=["node01", "node99"]), capsys)
    assert refused["failed"] and "s3cret" not in json.dumps(refused)


def test_the_cluster_hints_say_how_to_do_it_with_cluster(sim, capsys):
    spec = dict(login(sim), network="cluster-net", servers=["node01", "node02"],
                addresses=[{"name": "web", "address": "192.168.100.150"}])
    run(cluster, spec, capsys)
    out = run(cluster, dict(spec, addresses=[{"name": "web", "address": "192.168.100.151"}]), capsys)
    assert out["failed"] and "state=absent" not in out["msg"], out["msg"]
    assert "leave its item out of addresses and run cluster with exclusive=true" in out["msg"], out["msg"]
