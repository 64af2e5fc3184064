# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the pure plans: membership changes in the API's order, with the records of
associations standing in for the hidden internal view."""

from __future__ import annotations

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _plan as plan
from ansible_collections.failover.shared_ip.plugins.module_utils import _resolve, _steps
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import record_key
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.cloud_data import (
    CLUSTER_NET,
    NET,
    SERVERS,
    actions,
    addr,
    aid,
    current,
    members,
    pid,
    server,
    sid,
)

ALL = frozenset(sid(n) for n in range(1, 11))


@pytest.mark.parametrize("now, assoc, want, expected", [
    # nothing to do, whatever the order
    ([1, 2, 3], [1, 2, 3], [3, 1, 2], []),
    # grow: ports first, then associate the joining server
    ([1, 2], [1, 2], [1, 2, 3], ["set ports to node01, node02, node03", "associate node03"]),
    # shrink: disassociate first, then ports
    ([1, 2, 3], [1, 2, 3], [1, 2], ["disassociate node03", "set ports to node01, node02"]),
    # swap: disassociate leaving, replace, associate joining
    ([1, 2, 3], [1, 2, 3], [1, 2, 4], ["disassociate node03", "set ports to node01, node02, node04",
                                       "associate node04"]),
    # a member shared but never associated (an earlier run failed half-way) gets associated
    ([1, 2, 3], [1], [1, 2, 3], ["associate node02", "associate node03"]),
    # a leaving member known not to be associated needs no disassociation
    ([1, 2, 3], [1, 2], [1, 2], ["set ports to node01, node02"]),
])
def test_plan_present(now, assoc, want, expected):
    steps = plan.plan_present(current(1, now, assoc), members(*want), SERVERS, associate_ids=ALL)
    assert actions(steps) == expected


def hidden(members_, records):
    """A view with the internal view hidden: only this collection's records tell who is associated."""
    servers = [server(n, **({record_key(aid(1)): "x"} if n in records else {})) for n in range(1, 11)]
    view = _resolve.view(addr(1, *members_), servers, dict((pid(m), sid(m)) for m in members_), None)
    return view, servers


@pytest.mark.parametrize("now, records, want, expected", [
    # a no-op: every member has our record
    ([1, 2], [1, 2], [1, 2], []),
    # no record: associated again (the association reads over-report; a PUT that finds it is no change)
    ([1, 2], [1], [1, 2], ["associate node02"]),
    # a leaving member without a record may be associated: disassociate it (gone is done)
    ([1, 2, 3], [1, 2], [1, 2], ["disassociate node03", "set ports to node01, node02"]),
])
def test_plan_present_with_the_internal_view_hidden(now, records, want, expected):
    view, servers = hidden(now, records)
    steps = plan.plan_present(view, members(*want), servers, associate_ids=ALL)
    assert actions(steps) == expected
    for step in steps:
        if step["action"] == "disassociate":
            assert step["record"] is (int(step["server"][4:]) in records)


def test_plan_present_without_associate_leaves_bindings_alone():
    steps = plan.plan_present(current(1, [1, 2], [1]), members(1, 2, 3), SERVERS, associate_ids=())
    assert actions(steps) == ["set ports to node01, node02, node03"]


def test_plan_present_labels_members_and_unlabels_leavers():
    web = {"failover-shared-ip:web": aid(1)}
    servers = [server(1, **web), server(2), server(3, **web)] + SERVERS[3:]
    steps = plan.plan_present(current(1, [1, 2, 3], [1, 2, 3]), members(1, 2), servers, associate_ids=ALL,
                              name="web")
    assert actions(steps) == ["disassociate node03", "unlabel node03 failover-shared-ip:web",
                              "set ports to node01, node02", "label node02 failover-shared-ip:web"]
    assert [[s["action"] for s in p] for p in _steps.phases(steps)] == [
        ["disassociate", "unlabel"], ["set_ports"], ["label"]]


def test_plan_create_orders_create_associate_label():
    steps = plan.plan_create(CLUSTER_NET, 4, members(2, 1), SERVERS, address="192.168.100.200", name="web")
    assert actions(steps) == [
        "create 192.168.100.200 on cluster-net for node01, node02", "associate node01", "associate node02",
        "label node01 failover-shared-ip:web", "label node02 failover-shared-ip:web"]
    assert steps[0]["port_ids"] == [pid(1), pid(2)] and steps[0]["network_id"] == NET
    assert [len(p) for p in _steps.phases(steps)] == [1, 4]


def test_plan_absent_disassociates_deletes_then_unlabels():
    web = {"failover-shared-ip:web": aid(1)}
    steps = plan.plan_absent(current(1, [1, 2], [2], servers=[server(1, **web), server(2, **web)]),
                             [server(1, **web), server(2, **web)])
    assert actions(steps) == ["disassociate node02", "delete 192.168.100.100",
                              "unlabel node01 failover-shared-ip:web", "unlabel node02 failover-shared-ip:web"]


@pytest.mark.parametrize("now, assoc, only, expected", [
    ([1, 2, 3], [1, 2, 3], 3, ["disassociate node03", "set ports to node01, node02"]),
    ([1, 2, 3], [1, 2], 3, ["set ports to node01, node02"]),
    ([1, 2], [1, 2], 4, []),
    ([1], [1], 1, ["disassociate node01"]),   # the last port stays: the API refuses an empty list
])
def test_plan_absent_one_member(now, assoc, only, expected):
    assert actions(plan.plan_absent(current(1, now, assoc), SERVERS, only=sid(only))) == expected


def test_last_member_keeps_its_port_and_label():
    assert actions(plan.plan_absent(current(1, [1], []), SERVERS, only=sid(1), name="web")) == [
        "label node01 failover-shared-ip:web"]
    labelled = [server(1, **{"failover-shared-ip:web": aid(1)})] + SERVERS[1:]
    assert plan.plan_absent(current(1, [1], []), labelled, only=sid(1), name="web") == []


def test_binding_keeps_other_members():
    steps = plan.plan_present(current(1, [1, 2], [1, 2]), members(5), SERVERS, associate_ids={sid(5)},
                              keep_others=True)
    assert actions(steps) == ["set ports to node01, node02, node05", "associate node05"]
