# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""failover.shared_ip.binding in-process against the real simulator."""

from __future__ import absolute_import, division, print_function

import requests
from testbed.fakecloud.client import Control

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
