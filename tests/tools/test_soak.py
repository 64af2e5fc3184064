"""The soak's bookkeeping (tools/soak.py): what counts as a spurious transition, a double holder, a
legitimate move or a frozen holder's failover, from `ip monitor` lines and the events it ran."""

import time

import pytest

from tools import soak
from tools.soak import Event, losses_by_event, parse_monitor, reload_recovery, summarise, timeline

V4, V6 = "192.168.100.100", "fd00:100::100"
T0 = time.mktime(time.strptime("2026-12-01T21:00:00", "%Y-%m-%dT%H:%M:%S"))


def test_monitor_lines_become_changes_of_the_watched_addresses_only():
    lines = [
        "[2026-12-01T21:00:01.250000] 2: host0    inet 192.168.100.100/32 scope global host0\\       valid_lft forever",
        "[2026-12-01T21:00:02.500000] Deleted 2: host0    inet 192.168.100.100/32 scope global host0\\       valid_lft",
        "[2026-12-01T21:00:03.000000] 2: host0    inet6 fd00:100:0::100/128 scope global \\       valid_lft forever",
        "[2026-12-01T21:00:03.100000] 2: host0    inet 192.168.100.11/24 scope global host0",  # fixed address
        "garbage",
    ]
    assert parse_monitor(lines, "node01", [V4, V6]) == [
        (pytest.approx(T0 + 1.25), "node01", V4, True), (pytest.approx(T0 + 2.5), "node01", V4, False),
        (pytest.approx(T0 + 3.0), "node01", V6, True)]


def run(changes, events, start=0.0, end=100.0):
    result = {"timeline": timeline(changes, {V4: {"node01"}}, events, start, end)}
    return result, summarise(result)


def test_a_standby_taking_the_address_with_no_event_is_spurious_and_a_double_holder():
    result, s = run([(10.0, "node02", V4, True), (10.2, "node02", V4, False)], [])
    assert s["spurious_transitions"] == 1 and s["spurious_during"] == ["none"]
    assert s["double_holder"] == 1 and s["double_holder_s"] == pytest.approx(0.2)


def test_a_standby_taking_the_address_during_an_rt_burst_is_spurious_and_names_the_burst():
    events = [Event("rt", "node03", 9.9, 10.3)]
    _result, s = run([(10.0, "node01", V4, False), (10.05, "node02", V4, True)], events)
    assert s["spurious_transitions"] == 1 and s["spurious_during"] == ["rt"]
    assert s["double_holder"] == 0 and s["no_holder_s"] == pytest.approx(0.05)


def test_a_cut_moves_the_address_legitimately_and_the_cut_member_is_off_the_wire():
    events = [Event("cut", "node01", 10.0, 14.0, [V4])]
    changes = [(10.06, "node02", V4, True), (10.3, "node01", V4, False),  # node01 notices its carrier late
               (14.1, "node01", V4, True), (14.102, "node02", V4, False)]
    result, s = run(changes, events)
    assert s["spurious_transitions"] == 0 and s["legit_transitions"] == 2
    assert s["double_holder"] == 0 and s["double_holder_legit_s"] == pytest.approx(0.002)
    assert s["no_holder_s"] == pytest.approx(0.06)  # node01 cut at 10.0, node02 has it at 10.06
    assert [t[1:3] for t in result["timeline"][V4]["transitions"]] == [("node01", "node02"), ("node02", "node01")]


def test_a_cut_member_is_back_on_the_wire_when_its_link_is_restored():
    events = [Event("cut", "node01", 10.0, 14.0, [V4])]
    changes = [(10.3, "node01", V4, False), (10.06, "node02", V4, True),
               (13.99, "node01", V4, True), (13.991, "node02", V4, False)]  # keepalived saw the link before `end`
    _result, s = run(sorted(changes), events)
    assert s["no_holder_s"] == pytest.approx(0.06 + 0.009) and s["spurious_transitions"] == 0  # till the link is up


def test_a_move_long_after_the_event_ended_is_spurious():
    events = [Event("drain", "node01", 10.0, 14.0, [V4])]
    _result, s = run([(20.0, "node02", V4, True)], events)
    assert s["spurious_transitions"] == 1 and s["legit_transitions"] == 0


def test_a_frozen_holder_losing_its_address_is_counted_apart_a_frozen_standby_taking_it_is_spurious():
    holder = [Event("freeze", "node01", 10.0, 11.5, [V4])]
    _result, s = run([(10.07, "node02", V4, True), (11.6, "node02", V4, False)], holder)
    assert (s["freeze_failovers"], s["spurious_transitions"], s["double_holder"]) == (1, 0, 0)
    assert s["double_holder_freeze_s"] == pytest.approx(1.53)
    standby = [Event("freeze", "node02", 10.0, 11.5, [])]
    _result, s = run([(11.5, "node02", V4, True), (11.52, "node02", V4, False)], standby)
    assert (s["freeze_failovers"], s["spurious_transitions"], s["double_holder"]) == (0, 1, 1)


def test_a_reload_flap_is_counted_apart_but_two_holders_in_it_fail_and_the_address_comes_back():
    events = [Event("reload", "node01", 10.0, 10.01, [V4])]
    changes = [(10.001, "node01", V4, False), (10.0012, "node01", V4, True), (10.002, "node02", V4, True),
               (10.0023, "node02", V4, False)]
    _result, s = run(changes, events)
    assert (s["reload_flaps"], s["spurious_transitions"], s["double_holder"], s["double_holder_reload"]) == (1, 0, 1, 1)
    assert reload_recovery(changes, events) == [{"address": V4, "member": "node01", "back_ms": 0.2}]


def test_client_silence_is_the_longest_gap_that_began_during_each_event():
    events = [Event("cut", "node01", 10.0, 14.0, [V4]), Event("rt", "node02", 30.0, 30.4),
              Event("drain", "node01", 50.0, 54.0, [V6])]  # another address: not this one's event
    gaps = [[10.01, 62.0], [10.5, 25.0], [30.1, 40.0], [50.2, 30.0], [80.0, 500.0]]
    assert losses_by_event(gaps, events, V4) == {"cut": [62.0], "rt": [40.0]}


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 21))
    assert (soak.percentile(values, 50), soak.percentile(values, 99), soak.percentile([], 50)) == (10, 20, None)


def test_a_setting_must_name_a_role_variable():
    assert soak._setting("keepalived_vip_rt_priority=0") == ("keepalived_vip_rt_priority", 0)
    assert soak._setting("keepalived_vip_no_swap=false") == ("keepalived_vip_no_swap", False)
    with pytest.raises(Exception, match="expected keepalived_vip_NAME=VALUE"):
        soak._setting("rt_priority=0")


def test_the_soak_reads_the_advert_interval_of_the_profile_or_the_override():
    assert soak.advert_int("fastest", {}) == 0.1 and soak.advert_int("default", {}) == 1.0
    assert soak.advert_int("fastest", {"keepalived_vip_advert_int": 0.01}) == 0.01


def test_keepalived_cpu_counts_a_restarted_process_from_its_start_and_is_never_negative():
    # node01's VRRP process (pid 12) was restarted as pid 40 in between (a reload with a realtime profile)
    before = {"node01": {11: 5.0, 12: 30.0}, "node02": {21: 1.0, 22: 2.0}}
    after = {"node01": {11: 5.0, 40: 0.2}, "node02": {21: 1.0, 22: 2.5}}
    assert soak.cpu_percent(before, after, 10) == {"node01": 2.0, "node02": 5.0}
