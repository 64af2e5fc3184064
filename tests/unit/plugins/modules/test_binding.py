# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""failover.shared_ip.binding in-process against the real simulator."""

from __future__ import absolute_import, division, print_function

import time
from types import SimpleNamespace

import requests
from testbed.fakecloud.client import Control

from ansible_collections.failover.shared_ip.plugins.module_utils import _retry
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import label_key
from ansible_collections.failover.shared_ip.plugins.modules import address, binding
from ansible_collections.failover.shared_ip.tests.unit.plugins.modules.module_support import (
    PAIR,
    counters,
    login,
    refused,
    run,
)


def test_binding_absent_of_a_server_that_is_no_member_is_no_change(sim, capsys):
    run(address, dict(PAIR, **login(sim)), capsys)
    requests.post(sim.url + "/_sim/reset", timeout=10)
    out = run(binding, dict(login(sim), name="web", server="node05", state="absent"), capsys)
    assert not out["changed"] and out["actions"] == []
    assert set(counters(sim)["by_method"]) == {"GET", "POST"}   # identity + reads only


def test_the_name_search_reads_at_most_two_holders_of_an_unlabelled_address(sim, capsys):
    """A shared IP made outside the collection carries no label on any of its five ports: a server without
    a label looking for web reads two of its holders, not all five."""
    run(address, dict(PAIR, **login(sim)), capsys)
    cloud = Control(sim.url).session()
    network = cloud.get("network", "/networks", name="cluster-net")["networks"][0]["id"]
    servers = dict((s["name"], s["id"]) for s in cloud.get("compute", "/servers")["servers"])
    ports = [p["id"] for p in cloud.get("network", "/ports", network_id=network)["ports"]
             if p["device_id"] in [servers["node0%d" % n] for n in range(4, 9)]]
    assert len(ports) == 5
    assert cloud.net("POST", "/ip_addresses", {"ip_address": {"network_id": network, "version": 4,
                                                              "port_ids": ports}}).ok
    requests.post(sim.url + "/_sim/reset", timeout=10)
    out = run(binding, dict(login(sim), name="web", server="node03", associate=False), capsys)
    assert out["changed"] and not out.get("failed"), out
    routes = counters(sim)["by_route"]
    assert routes["GET /compute/{region}/v2/{tenant}/servers/{server_id}"] == 2 + 2, routes   # web's two, two of five


def test_the_last_member_keeps_the_name_when_it_had_lost_it(sim, capsys):
    """node02 had left and dropped its label when a write that read the list before put its port back
    (here: the label deleted by hand). node01 leaves: node02 is the one left, so node01 labels it."""
    made = run(address, dict(PAIR, **login(sim)), capsys)["shared_ip"]
    cloud = Control(sim.url).session()
    node02 = [m["id"] for m in made["members"] if m["name"] == "node02"][0]
    assert cloud.comp("DELETE", "/servers/%s/metadata/%s" % (node02, label_key("web"))).ok
    out = run(binding, dict(login(sim), name="web", server="node01", state="absent"), capsys)
    assert out["actions"][-1] == "label node02 %s" % label_key("web"), out["actions"]
    assert [m["name"] for m in out["shared_ip"]["members"]] == ["node02"]
    meta = cloud.comp("GET", "/servers/%s/metadata" % node02).json()["metadata"]
    assert meta[label_key("web")] == made["id"]
    again = run(binding, dict(login(sim), name="web", server="node03"), capsys)
    assert again["changed"] and not again.get("failed"), again


def test_a_label_put_on_a_server_that_left_is_taken_off_before_it_is_done(sim, capsys, monkeypatch):
    """node03 leaves web; while it waits for late writes of other hosts, one of them (here: this test) labels
    node03, having read the list before node03 left. node03's last look sees the label and takes it off."""
    made = run(address, dict(PAIR, servers=["node01", "node02", "node03"], **login(sim)), capsys)["shared_ip"]
    node03 = [m["id"] for m in made["members"] if m["name"] == "node03"][0]
    cloud = Control(sim.url).session()
    late = []

    def sleep(seconds):
        if seconds and not late:
            late.append(cloud.comp("PUT", "/servers/%s/metadata/%s" % (node03, label_key("web")),
                                   {"meta": {label_key("web"): made["id"]}}).ok)

    monkeypatch.setattr(_retry, "time", SimpleNamespace(sleep=sleep, monotonic=time.monotonic))
    out = run(binding, dict(login(sim), name="web", server="node03", state="absent"), capsys)
    assert late == [True]
    assert out["actions"][-1] == "unlabel node03 %s" % label_key("web"), out["actions"]
    assert label_key("web") not in cloud.comp("GET", "/servers/%s/metadata" % node03).json()["metadata"]


def test_binding_refusals(sim, capsys):
    run(address, dict(PAIR, network="public", **login(sim)), capsys)
    refused(sim, capsys, binding, dict(name="web", server="node10"),
            "server=[node01, node02, node10]: PublicNet members must share one public IP zone")
    refused(sim, capsys, binding, dict(name="web", server="node03", attempts=0), "attempts=0")
    refused(sim, capsys, binding, dict(name="nothing", server="node03"), "name=nothing: no such shared IP")


def test_a_name_is_found_past_a_holder_that_lost_its_label(sim, capsys):
    """The joining server carries no label, so binding looks for the name among the holders: the holder of
    the address's first port lost its label (edited by hand), so the next one's label tells."""
    made = run(address, dict(PAIR, **login(sim)), capsys)["shared_ip"]
    cloud = Control(sim.url).session()
    first_port = cloud.get("network", "/ip_addresses/" + made["id"])["ip_address"]["port_ids"][0]
    holder = cloud.get("network", "/ports/" + first_port)["port"]["device_id"]
    assert cloud.comp("DELETE", "/servers/%s/metadata/%s" % (holder, label_key("web"))).ok
    out = run(binding, dict(login(sim), name="web", server="node03"), capsys)
    assert out.get("changed") and not out.get("failed"), out
    assert "node03" in [m["name"] for m in out["shared_ip"]["members"]]


def test_a_leaving_server_reads_ports_once_not_every_round(sim, capsys):
    """Leaving needs the address and its holders, not the ports the server has on the network: the ports
    are read once, in the lookup, however many rounds the run takes (it was once per round)."""
    run(address, dict(PAIR, servers=["node01", "node02", "node03"], **login(sim)), capsys)
    requests.post(sim.url + "/_sim/reset", timeout=10)
    out = run(binding, dict(login(sim), name="web", server="node03", state="absent"), capsys)
    assert out["changed"] and not out.get("failed"), out
    routes = counters(sim)["by_route"]
    assert routes["GET /network/{region}/v2.0/ip_addresses/{ip_id}"] >= 2, routes     # rounds after the lookup
    assert routes["GET /network/{region}/v2.0/ports"] == 1, routes
