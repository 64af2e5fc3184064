# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A member that loses its path to the clients gives up its addresses, though VRRP between the members still
works: a `bfd` check (keepalived's BFD process) to the clients' side, on a real lab (testbed.lab).

The client runs keepalived's BFD process as the router on the clients' side would, one session to each
member; the holder is cut off from the client alone (its frames to and from the client dropped on the bridge),
so that VRRP between the members goes on. What a user looks at: the address moves to the next member, the
cut-off member stays a BACKUP that the others still hear, and the address comes back when the path does;
and when the neighbor itself goes away, so that every member's check fails at once, one member keeps the
address. The client's loss at each cut is printed, not asserted.
"""

import os
import statistics
import time

import pytest

from testbed.lab import Lab
from testbed.lab.network import CLIENT4, member_addresses
from tests.role.test_stage_tags import converge, holds, sh

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
]

NAME = os.environ.get("FSIP_ROLE_BFD_LAB", "rbfdtest")  # another name: two checkouts side by side
WEB = "192.168.100.100"
CUTS = 5
ROLE_VARS = {
    "keepalived_vip_interface": "host0",
    "keepalived_vip_checks": [{"name": "clients", "type": "bfd", "neighbor": CLIENT4}],
    "keepalived_vip_addresses": [{"name": "web", "address": WEB + "/24", "preferred": ["node01", "node02"],
                                  "track": ["clients"]}],
}


def carriers(lab):
    return [member for member in lab.names if " %s/" % WEB in sh(lab, member, "ip -br addr show host0")]


def settled_carrier(lab, seconds, steady=3.0):
    """The one member that carries web and has kept it for `steady` seconds, within `seconds` (else None)."""
    deadline, held, since = time.monotonic() + seconds, None, None
    while time.monotonic() < deadline:
        now = carriers(lab)
        if len(now) == 1 and now == held:
            if time.monotonic() - since >= steady:
                return now[0]
        else:
            held, since = now, time.monotonic()
        time.sleep(0.5)
    return None


def masters_since(lab, since):
    """{member: times it entered MASTER for web since the wall-clock time `since`}."""
    return {member: sh(lab, member, "journalctl -u keepalived --no-pager -q --since @%d" % since).count(
        "(web) Entering MASTER STATE") for member in lab.names}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(NAME, members=3) as running:
        peer = running.client.start_bfd_peer([member_addresses(index)[0] for index in range(1, 4)])
        proc = converge(running, tmp_path_factory.mktemp("converge"), ROLE_VARS)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
        yield running, peer


def test_a_holder_cut_off_from_the_clients_gives_its_address_up_and_takes_it_back_when_the_path_returns(lab):
    lab, _peer = lab
    assert holds(lab, "node01", WEB), carriers(lab)
    losses = []
    for cut in range(1, CUTS + 1):
        probe = lab.start_probe(WEB, tag="bfd-%d" % cut, max_seconds=30, interval_ms=5, gap_ms=20)
        time.sleep(0.5)
        lab.isolate_from_client("node01")
        try:
            assert holds(lab, "node02", WEB, seconds=10), carriers(lab)
            time.sleep(0.5)
            result = probe.stop()
            assert carriers(lab) == ["node02"]
            # node01 is still heard by the others: a BACKUP at the bottom, not a member gone missing
            assert sh(lab, "node01", "cat /run/keepalived-vip/web.state").strip() == "BACKUP"
        finally:
            lab.heal()
        assert result["resumed"], result
        losses.append(result["longest_gap_ms"])
        print("cut %d: the client lost %.0f ms" % (cut, result["longest_gap_ms"]))
        assert holds(lab, "node01", WEB, seconds=30), carriers(lab)  # the path is back: node01 takes it back
    print("a holder cut off from the clients, %d cuts (BFD 3 x 50 ms): client loss p50 %.0f ms, max %.0f ms"
          % (CUTS, statistics.median(losses), max(losses)))


def test_when_the_neighbor_goes_away_every_check_fails_and_one_member_keeps_the_address(lab):
    lab, peer = lab
    assert holds(lab, "node01", WEB), carriers(lab)
    time.sleep(1)
    since = int(time.time())  # the journal's --since takes whole seconds: nothing of the test before counts
    peer.stop()  # the router on the clients' side is gone: every member's session goes down
    kept = settled_carrier(lab, seconds=30)
    assert kept, carriers(lab)
    # every member's check failed (keepalived's own priority, as the hand-over reader records it) ...
    assert {member: sh(lab, member, "cat /run/keepalived-vip/web.priority").strip() for member in lab.names} == \
        dict.fromkeys(lab.names, "1")
    # ... and the address moved at most once per member: a member hands it on only when its own check fails
    # while it holds it, and a member whose check has failed keeps it
    masters = masters_since(lab, since)
    assert 1 <= sum(masters.values()) <= len(lab.names), masters
    print("the neighbor gone: %s keeps web; entered MASTER since: %s" % (kept, masters))
