# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""failover.shared_ip.address in-process against the real simulator: refusals, identity, limits, reads."""

from __future__ import absolute_import, division, print_function

import re

import pytest
import requests

from ansible_collections.failover.shared_ip.plugins.modules import address, address_info, binding, cluster
from ansible_collections.failover.shared_ip.testbed.fakecloud import start
from ansible_collections.failover.shared_ip.tests.unit.plugins.modules.module_support import (
    CLUSTER,
    PAIR,
    counters,
    login,
    refused,
    run,
)


@pytest.mark.parametrize("args, message", [
    (dict(PAIR, servers=[]), "servers=[]: a shared IP needs at least two members, got 0"),
    (dict(PAIR, servers=["node01"]), "servers=[node01]: a shared IP needs at least two members, got 1"),
    (dict(PAIR, network="private"), "network=private: ServiceNet carries no shared IPs"),
    (dict(PAIR, network="servicenet"), "network=servicenet: ServiceNet carries no shared IPs"),
    (dict(PAIR, address="192.168.100.0"), "address=192.168.100.0: is the network address of subnet"),
    (dict(PAIR, address="192.168.100.255"), "address=192.168.100.255: is the broadcast address of subnet"),
    (dict(PAIR, address="192.168.100.11"), "address=192.168.100.11: is the fixed address of node01's own port"),
    (dict(PAIR, address="not-an-ip"), "address=not-an-ip: not an IPv4 or IPv6 address"),
    (dict(PAIR, servers=["node1", "node02"]), "servers=node1: no such server"),
    (dict(PAIR, timeout=0), "timeout=0: must be a positive number of seconds"),
    (dict(PAIR, network="public", servers=["node09", "node10"]),
     "servers=[node09, node10]: PublicNet members must share one public IP zone"),
])
def test_address_refusals(sim, capsys, args, message):
    refused(sim, capsys, address, args, message)


def test_identity_refusals_name_both_sides(sim, capsys):
    web = run(address, dict(PAIR, **login(sim)), capsys)["shared_ip"]
    db = run(address, dict(PAIR, name="db", address="192.168.100.150", **login(sim)), capsys)["shared_ip"]
    out = refused(sim, capsys, address, dict(PAIR, name="db", address=web["address"]), "name=db: points at shared IP")
    assert web["id"] in out["msg"] and db["id"] in out["msg"] and web["address"] in out["msg"]
    out = refused(sim, capsys, address, dict(PAIR, address="192.168.100.160"), "address=192.168.100.160: shared IP")
    assert "an address never changes" in out["msg"] and web["id"] in out["msg"]
    refused(sim, capsys, address, dict(PAIR, name="other", address=web["address"]),
            "name=other: address=%s points at shared IP %s" % (web["address"], web["id"]))


def test_port_at_its_limit_is_refused_before_any_write(sim, capsys):
    for n in range(3):
        out = run(address, dict(PAIR, name="a%d" % n, **login(sim)), capsys)
        assert out.get("changed"), out.get("msg")
    # node01's port: its own two fixed addresses (v4, v6) and three shared ones: no room for a fourth
    out = refused(sim, capsys, address, dict(PAIR, name="a3"), "servers=node01: its port on cluster-net ")
    assert "already holds 5 addresses" in out["msg"] and "192.168.100.11, fd00:100::11" in out["msg"]
    out = refused(sim, capsys, cluster, {"network": "cluster-net", "servers": ["node03", "node04"],
                                         "addresses": [{"name": "x%d" % n} for n in range(4)]},
                  "addresses[0].servers=node03: its port on cluster-net ")
    assert "already holds 2 addresses (192.168.100.13, fd00:100::13); 4 more asked for" in out["msg"]
    run(address, dict(PAIR, name="c", servers=["node03", "node04"], **login(sim)), capsys)
    refused(sim, capsys, binding, dict(name="c", server="node01"), "server=node01: its port on cluster-net ")


def test_no_op_reads_do_not_grow_with_the_account(capsys, monkeypatch):
    """5,000 unrelated servers (their fixed addresses listed too): a no-op cluster reads what it did with none."""
    for name in ("RAX_USERNAME", "RAX_API_KEY", "RAX_CREDENTIALS", "RAX_CREDS_FILE", "RAX_REGION"):
        monkeypatch.delenv(name, raising=False)
    figures = []
    for extra in (0, 5000):
        big = start(port=0, extra_servers=extra)
        try:
            run(cluster, dict(CLUSTER, **login(big)), capsys)
            requests.post(big.url + "/_sim/reset", timeout=10)
            out = run(cluster, dict(CLUSTER, **login(big)), capsys)
            assert not out["changed"]
            figures.append(counters(big)["by_method"]["GET"])
        finally:
            big.stop()
    assert figures[0] == figures[1]


def test_a_name_belongs_to_one_shared_ip(sim, capsys):
    """Refused before any write, naming both shared IPs: the name's own and the one it would be given to."""
    web = run(address, dict(PAIR, address="192.168.100.100", **login(sim)), capsys)["shared_ip"]
    db = run(address, dict(PAIR, name="db", address="192.168.100.101", servers=["node03", "node04"], **login(sim)),
             capsys)["shared_ip"]
    unnamed = run(address, dict(login(sim), network="cluster-net", address="192.168.100.120",
                                servers=["node07", "node08"]), capsys)["shared_ip"]
    cases = [
        (address, dict(PAIR, id=web["id"], name="db"), [web["id"], db["id"]]),
        (address, dict(PAIR, name="web", address="192.168.100.120", servers=["node07", "node08"]),
         [web["id"], unnamed["id"], "192.168.100.120"]),
        (address, dict(PAIR, name="web", servers=["node05", "node06"]), [web["id"]]),
        (binding, dict(name="web", address="192.168.100.101", server="node09"), [web["id"], db["id"]]),
        (cluster, {"network": "cluster-net", "servers": ["node05", "node06"], "addresses": [{"name": "db"}]},
         [db["id"]]),
    ]
    for module, args, named in cases:
        out = refused(sim, capsys, module, args, "")
        assert out["msg"].split("=", 1)[0].endswith("name"), out["msg"]
        for text in named:
            assert text in out["msg"], (text, out["msg"])


def test_an_address_of_another_network_is_refused_naming_both_networks(sim, capsys):
    """By id or by address, a shared IP that lives on another network than `network` is another service's:
    refused before any write, naming both networks as the user wrote them."""
    www = run(address, dict(login(sim), network="public", name="www", servers=["node01", "node02"]), capsys)
    ip = www["shared_ip"]
    cases = [
        (address, dict(network="cluster-net", id=ip["id"], servers=["node03", "node04"]), "id=%s" % ip["id"]),
        (address, dict(network="cluster-net", address=ip["address"], servers=["node03", "node04"]),
         "address=%s" % ip["address"]),
        (cluster, dict(network="cluster-net", servers=["node03", "node04"],
                       addresses=[{"name": "web", "address": ip["address"]}]), "addresses[0].address=%s" % ip["address"]),
    ]
    for module, args, head in cases:
        requests.post(sim.url + "/_sim/reset", timeout=10)
        out = run(module, dict(login(sim), **args), capsys)
        assert out.get("failed"), out
        assert out["msg"].startswith(head + ": shared IP %s (%s) is on network public, not on network=cluster-net"
                                     % (ip["id"], ip["address"])), out["msg"]
        assert set(counters(sim)["by_method"]) == {"GET", "POST"}      # identity + reads only
    left = run(address_info, dict(login(sim), id=ip["id"]), capsys)["shared_ips"][0]
    assert [(m["name"], m["port_id"]) for m in left["members"]] == [(m["name"], m["port_id"]) for m in ip["members"]]


@pytest.mark.parametrize("module, args, message", [
    (address, dict(network="cluster-net", servers=["Node01", "node02"]), "servers=Node01: no such server; did you mean node01?"),
    (cluster, dict(network="cluster-net", servers=["node01", "nod02"], addresses=[{"name": "w"}]),
     "servers=nod02: no such server; did you mean node02?"),
    (binding, dict(server="NODE03", name="web"), "server=NODE03: no such server; did you mean node03?"),
    (address, dict(network="Cluster-Net", servers=["node01", "node02"]),
     "network=Cluster-Net: no such network (known: public, cluster-net); did you mean cluster-net?"),
    (address_info, dict(network="cluster-nett"),
     "network=cluster-nett: no such network (known: public, cluster-net); did you mean cluster-net?"),
    (address, dict(network="cluster-net", region="ORD", servers=["node01", "node02"]),
     "network=cluster-net: no such network in region ORD (known: public); region DFW has it: set region=DFW"),
])
def test_a_near_miss_is_offered_and_the_region_that_has_the_network_named(sim, capsys, module, args, message):
    out = run(module, dict(login(sim), **args), capsys)
    assert out.get("failed") and out["msg"] == message, out.get("msg")
    assert out["candidates"] == re.findall(r"did you mean (.*)\?$", message), out     # the near miss, for a program


def test_a_near_miss_costs_no_read_on_the_success_path(sim, capsys):
    run(address, dict(PAIR, **login(sim)), capsys)
    requests.post(sim.url + "/_sim/reset", timeout=10)
    assert not run(address, dict(PAIR, **login(sim)), capsys)["changed"]
    routes = counters(sim)["by_route"]
    assert routes["GET /compute/{region}/v2/{tenant}/servers/detail"] == 1, routes      # the members, in one call
