# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planned moves on a real lab (testbed.lab): drain, undrain and move, as a user runs them.

What a user looks at: which member carries each address, and keepalived's state of each instance on the
member that gave an address up: BACKUP again after the moment of FAULT through which it handed the address
over at once (tasks/handover.yml). Times are printed, not asserted.
"""

import os
import pathlib
import time

import pytest

from testbed.lab import Lab
from tests.role.test_stage_tags import converge, sh

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root"),
]

NAME = os.environ.get("FSIP_ROLE_MOVES_LAB", "rmovetest")  # another name: two checkouts side by side
PLANNED = pathlib.Path(__file__).resolve().parent / "lab_planned.yml"
HANDOVER = "Put the instances of the addresses it holds in FAULT"
WEB, API = "192.168.100.100", "192.168.100.101"
UNHEALTHY = "/run/web-unhealthy"  # the web check fails while it exists
ROLE_VARS = {
    "keepalived_vip_interface": "host0",
    "keepalived_vip_checks": [{"name": "web_up", "type": "script", "script": "/usr/bin/test ! -e " + UNHEALTHY,
                               "interval": 1, "fall": 1, "rise": 1}],
    "keepalived_vip_addresses": [
        {"name": "web", "address": WEB + "/24", "preferred": ["node01"], "track": ["web_up"]},
        {"name": "api", "address": API + "/24", "preferred": ["node02"]},
    ],
}
PLANNED_PLACES = {WEB: ["node01"], API: ["node02"]}


def planned(lab, tmp_path, action, hosts, role_vars=None, **extra):
    """The role's `action` on `hosts`, with the role's input ROLE_VARS unless `role_vars` is given."""
    started = time.monotonic()
    role_vars = ROLE_VARS if role_vars is None else role_vars
    proc = converge(lab, tmp_path, dict(role_vars, planned_action=action, planned_hosts=hosts, **extra),
                    playbook=PLANNED)
    print("%s on %s: %.1f s" % (action, hosts, time.monotonic() - started))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    return proc


def holders(lab, settle=3.0):
    """{address: [members carrying it on host0]}, after `settle` seconds for any late takeover to show."""
    time.sleep(settle)
    seen = {member: sh(lab, member, "ip -br addr show host0") for member in lab.names}
    return {address: [member for member, text in seen.items() if " %s/" % address in text] for address in (WEB, API)}


def state(lab, member, name):
    return sh(lab, member, "cat /run/keepalived-vip/%s.state" % name).strip()


def priority(lab, member, name):
    return int(sh(lab, member, "cat /run/keepalived-vip/%s.priority" % name))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with Lab(NAME, members=3) as running:
        proc = converge(running, tmp_path_factory.mktemp("converge"), ROLE_VARS)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
        yield running


def test_a_drained_member_hands_its_addresses_over_and_takes_them_back_when_undrained(lab, tmp_path):
    assert holders(lab) == PLANNED_PLACES

    proc = planned(lab, tmp_path, "drain", "node01")
    assert HANDOVER in proc.stdout
    assert holders(lab) == {WEB: ["node02"], API: ["node02"]}
    assert state(lab, "node01", "web") == "BACKUP"  # back from its moment of FAULT, at priority 1

    since = sh(lab, "node02", "date '+%Y-%m-%d %H:%M:%S'").strip()
    proc = planned(lab, tmp_path, "undrain", "node01", role_vars={})  # as the README's play on one member
    assert holders(lab) == PLANNED_PLACES
    assert state(lab, "node01", "web") == "MASTER" and state(lab, "node02", "web") == "BACKUP"
    # node02 handed web back at once (a moment of FAULT), rather than node01 waiting for its master-down
    # timer; api, which node02 comes first for, stayed
    assert "web from node02" in proc.stdout and "api from" not in proc.stdout
    journal = sh(lab, "node02", "journalctl -u keepalived -o cat --since '%s'" % since)
    assert "(web) Entering FAULT STATE" in journal and "(api) Entering FAULT STATE" not in journal, journal
    # the priorities keepalived reports (the FIFO reader's records, read by vip_status): the planned ones again
    assert [priority(lab, member, "web") for member in ("node01", "node02", "node03")] == [254, 249, 239]


def test_a_move_puts_the_address_on_the_chosen_member_and_back(lab, tmp_path):
    planned(lab, tmp_path, "move", "members", keepalived_vip_move={"address": "web", "to": "node03"})
    assert holders(lab) == {WEB: ["node03"], API: ["node02"]}
    assert state(lab, "node01", "web") == "BACKUP"

    planned(lab, tmp_path, "move", "members", keepalived_vip_move={"address": "web"})
    assert holders(lab) == PLANNED_PLACES
    assert state(lab, "node03", "web") == "BACKUP"


def test_with_every_member_drained_each_address_stays_on_one_member(lab, tmp_path):
    for member in ("node02", "node03", "node01"):
        planned(lab, tmp_path, "drain", member)
    places = holders(lab)
    assert [len(places[WEB]), len(places[API])] == [1, 1], places
    assert "node01" not in places[WEB] + places[API]  # the last one drained handed over too

    planned(lab, tmp_path, "undrain", "members")
    assert holders(lab, settle=5.0) == PLANNED_PLACES


def test_a_holder_whose_check_fails_hands_over_at_once_and_preemption_brings_it_back(lab, tmp_path):
    """Default weight (-253): node01 falls to priority 1 and hands web over through a moment of FAULT
    (templates/handover.sh.j2), rather than waiting for node02's master-down timer."""
    assert holders(lab) == PLANNED_PLACES
    since = sh(lab, "node01", "date '+%Y-%m-%d %H:%M:%S'").strip()
    started = time.monotonic()
    sh(lab, "node01", "touch " + UNHEALTHY)
    while " %s/" % WEB not in sh(lab, "node02", "ip -br addr show host0") and time.monotonic() - started < 30:
        time.sleep(0.05)
    print("failing check: web on node02 after %.2f s (check every 1 s)" % (time.monotonic() - started))
    assert holders(lab) == {WEB: ["node02"], API: ["node02"]}
    journal = sh(lab, "node01", "journalctl -u keepalived -o cat --since '%s'" % since)
    assert "(web) Entering FAULT STATE" in journal, journal  # the hand-over, not node02's master-down timer
    assert "(api) Entering FAULT STATE" not in journal
    assert state(lab, "node01", "web") == "BACKUP"  # back from its moment of FAULT, at priority 1

    sh(lab, "node01", "rm -f " + UNHEALTHY)
    assert holders(lab, settle=6.0) == PLANNED_PLACES


def test_a_hand_over_cut_short_by_a_stop_leaves_no_instance_in_fault(lab):
    """keepalived stopped between the two writes of the hand-over script: its start resets the file."""
    sh(lab, "node02", "systemctl stop keepalived && echo -254 > /var/lib/keepalived-vip/web.handover"
                      " && systemctl start keepalived")
    time.sleep(3)
    assert sh(lab, "node02", "cat /var/lib/keepalived-vip/web.handover").strip() == "0"
    assert state(lab, "node02", "web") == "BACKUP"
    assert holders(lab) == PLANNED_PLACES  # api back on node02 by preemption
