# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The step table: every kind described, applied to a copy, performed, parallel or not; check mode and
the real run share apply_step."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.failover.shared_ip.plugins.module_utils import _plan as plan
from ansible_collections.failover.shared_ip.plugins.module_utils import _resolve
from ansible_collections.failover.shared_ip.plugins.module_utils import _steps as steps_
from ansible_collections.failover.shared_ip.plugins.module_utils._client import Client
from ansible_collections.failover.shared_ip.plugins.module_utils._cloud import ALREADY, Cloud
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import record_key
from ansible_collections.failover.shared_ip.plugins.module_utils._errors import ApiError
from ansible_collections.failover.shared_ip.plugins.modules import address
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.cloud_data import (
    CLUSTER_NET,
    SERVERS,
    aid,
    current,
    members,
    pid,
    sid,
)
from ansible_collections.failover.shared_ip.tests.unit.plugins.modules.module_support import (  # noqa: F401  # pylint: disable=unused-import
    PAIR,
    login,
    run,
    sim,
    simulator,
)

ALL = frozenset(sid(n) for n in range(1, 11))


def test_every_kind_is_in_the_one_table():
    assert set(steps_.STEPS) == {"create", "disassociate", "set_ports", "associate", "label", "unlabel",
                                 "delete"}
    assert sorted(k for k, v in steps_.STEPS.items() if v.parallel) == [
        "associate", "disassociate", "label", "unlabel"]


@pytest.mark.parametrize("now, assoc, want", [
    ([1, 2], [], [1, 2, 3]), ([1, 2, 3], [1, 2, 3], [2, 4]), ([1, 2], [1], [1, 2]),
])
def test_applying_the_plan_reaches_the_goal_and_replans_to_nothing(now, assoc, want):
    before = current(1, now, assoc)
    after = steps_.apply_all(before, plan.plan_present(before, members(*want), SERVERS, associate_ids=ALL))
    assert [(m["name"], m["associated"]) for m in after["members"]] == [("node%02d" % n, True) for n in want]
    assert plan.plan_present(after, members(*want), SERVERS, associate_ids=ALL) == []
    assert before == current(1, now, assoc)   # check mode works on a copy


def test_apply_create_then_delete():
    after = steps_.apply_all(None, plan.plan_create(CLUSTER_NET, 4, members(1, 2), SERVERS, name="web"))
    assert after["name"] == "web" and after["id"] is None
    assert [m["associated"] for m in after["members"]] == [True, True]
    assert steps_.apply_all(after, plan.plan_absent(after, SERVERS)) is None


def test_diff_view_holds_managed_keys_only():
    assert steps_.diff_view(current(1, [1, 2], [1])) == {
        "address": "192.168.100.100", "name": None,
        "members": {"node01": {"port_id": pid(1), "associated": True},
                    "node02": {"port_id": pid(2), "associated": False}}}
    assert steps_.diff_view(None) == {}


class Recorder:
    """Records the calls a step makes (perform is I/O; this is its caller's side only)."""

    def __init__(self, fail=None):
        self.calls = []
        self.fail = fail or {}

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name,) + args)
            if name in self.fail:
                raise self.fail[name]
            return ALREADY if name == "associate" and "already" in self.fail else None
        return call


def test_associate_records_only_after_the_association():
    cloud = Recorder()
    state = current(1, [1, 2], [])
    steps_.perform(cloud, state, {"action": "associate", "server_id": sid(1), "server": "node01", "port_id": pid(1)})
    assert cloud.calls == [("associate", sid(1), aid(1)),
                           ("set_metadata_item", sid(1), record_key(aid(1)), "192.168.100.100")]


def test_a_failed_association_writes_no_record():
    cloud = Recorder(fail={"associate": ApiError("PUT x", 503, "", "down")})
    with pytest.raises(ApiError):
        steps_.perform(cloud, current(1, [1, 2], []), {"action": "associate", "server_id": sid(1), "port_id": pid(1)})
    assert [c[0] for c in cloud.calls] == ["associate"]


@pytest.mark.parametrize("record, calls", [(True, ["disassociate", "delete_metadata_item"]), (False, ["disassociate"])])
def test_disassociate_removes_the_record_it_has(record, calls):
    cloud = Recorder()
    step = {"action": "disassociate", "server_id": sid(1), "port_id": pid(1), "record": record}
    steps_.perform(cloud, current(1, [1, 2], [1]), step)
    assert [c[0] for c in cloud.calls] == calls


def test_gone_is_done():
    cloud = Recorder(fail={"disassociate": ApiError("DELETE x", 404, "", "not associated")})
    step = {"action": "disassociate", "server_id": sid(1), "port_id": pid(1), "record": False}
    steps_.perform(cloud, current(1, [1, 2], [1]), step)


def test_runner_reports_done_failed_and_not_done(sim, capsys):
    """A step that fails in a parallel phase: the others of the phase finish, later phases do not start."""
    run(address, dict(PAIR, servers=["node%02d" % n for n in range(1, 11)], associate=False, **login(sim)), capsys)
    cloud = Cloud(Client.from_options(username="demo", api_key="demo-api-key", identity_url=sim.identity_url,
                                      max_retries=0))
    net = [n for n in cloud.networks() if n["name"] == "cluster-net"][0]
    addr = cloud.ip_addresses(network_id=net["id"], type="shared")[0]
    servers = cloud.servers()
    node05 = [s["id"] for s in servers if s["name"] == "node05"][0]
    requests.post(sim.url + "/_sim/faults", timeout=10, json={"fail_next": [
        {"method": "PUT", "path_regex": "/servers/%s/ip_associations/" % node05, "status": 503, "times": 5}]})
    holders = dict((p["id"], p["device_id"]) for p in cloud.ports(ids=addr["port_ids"]))
    state = _resolve.view(addr, servers, holders)
    members = dict((m["id"], m["port_id"]) for m in state["members"])
    steps = plan.plan_present(state, members, servers, associate_ids=set(members))
    steps.append({"action": "delete", "id": addr["id"], "address": addr["address"]})
    with pytest.raises(steps_.StepsFailed) as err:
        steps_.Runner(cloud, pool_size=3).run(state, steps)
    assert [steps_.describe(s) for s, _e in err.value.failed] == ["associate node05"]
    assert len(err.value.done) == 9 and [s["action"] for s in err.value.not_done] == ["delete"]
    assert "Not done: delete 192.168.100.100. Run again to converge." in str(err.value)
    records = dict((s["id"], _resolve.has_record(s, addr["id"])) for s in cloud.servers())
    assert not records[node05] and sorted(records.values()).count(True) == 9
    assert [m["associated"] for m in err.value.state["members"]].count(True) == 9
