# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_binding: one server's binding decided on hand-made snapshots (no cloud)."""

from __future__ import annotations

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _binding as binding
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PlanError
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.cloud_data import (
    addr,
    aid,
    pid,
    server,
    sid,
    snapshot,
)


def test_binding_onto_a_full_port_is_refused():
    servers = [server(1), server(2), server(3)]
    snap = snapshot(servers, [addr(1, 1, 2)] + [addr(n, 3, 2) for n in range(5, 9)])
    snap.holders.update({pid(1): sid(1), pid(2): sid(2)})
    with pytest.raises(PlanError, match="^server=node03: its port on cluster-net already holds 5 addresses"):
        binding.decide(snap, {"name": None}, servers[2], snap.address(aid(1)))
