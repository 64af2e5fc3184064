"""The profile bench's derived figures (tools/bench_profiles.py): when a move settled, and the table."""

from tools.bench_profiles import ADDRESSES, kinds_report, profiles, profiles_report, settle_ms, strays

V4 = ADDRESSES[0]


def test_a_move_settles_when_the_new_holder_has_the_address_and_the_old_one_dropped_it():
    changes = [(10.05, "node02", V4, True), (10.2, "node01", V4, False), (11.0, "node03", V4, True)]
    assert settle_ms(changes, 10.0, V4, "node02", "node01") == 200.0
    assert settle_ms(changes[:1], 10.0, V4, "node02", "node01") is None  # the old holder still has it
    assert strays(changes, V4, "node02", "node01") == 1  # node03 took it too


def test_every_profile_of_the_role_is_benched():
    assert list(profiles()) == ["default", "fast", "fastest"]


def test_the_table_has_a_row_per_profile_with_p50_and_p99():
    def sample(loss, settle):
        return {a: {"loss_ms": loss, "settle_ms": settle} for a in ADDRESSES}

    samples = {"hard failover": [sample(50.0, None), sample(70.0, None)], "drain": [sample(6.0, 150.0)],
               "undrain": [sample(8.0, None)], "failing check": [sample(5.0, 700.0)],
               "check recovered": [sample(5.0, 400.0)]}
    results = {"fastest": {"advert_int": 0.02, "samples": samples, "cpu_percent": {"node01": 1.5, "node02": 0.6},
                           "vrrp_pps_per_address": 98.0, "announce_pps_per_address": 2.3,
                           "soak": {"minutes": 2, "spurious_transitions": 1}}}
    report = profiles_report(results)
    row = report.splitlines()[-1].split()
    assert row[:4] == ["fastest", "20", "ms", "50.0/70.0"]
    assert "400.0/700.0 (2 unsettled)" in report and "30 (1 in 2 min)" in report and "98 + 2.3" in report


def test_the_kinds_table_has_a_row_per_profile_and_kind():
    quiet = {a: {"loss_ms": 12.0, "settle_ms": 150.0, "strays": 1} for a in ADDRESSES}
    lossy = {a: {"loss_ms": 45.0, "settle_ms": 40.0, "strays": 0, "silences": [[-3.5, 25.0], [812.0, 45.0]]}
             for a in ADDRESSES}
    report = kinds_report({"default": {"samples": {"hard failover": [], "move": [quiet], "undrain": [lossy]}}})
    move, undrain = (line.split() for line in report.splitlines()[-2:])
    assert move == ["default", "move", "1", "12.0/12.0", "150.0/150.0", "0", "2", "-"]
    assert undrain == ["default", "undrain", "1", "45.0/45.0", "40.0/40.0", "0", "0", "45", "at", "+812"]
