"""The benchmark's derived figures: calls on the critical path, median/min/max, the cluster it declares two
ways, and the control-plane report."""

import pytest

from tools.bench_cloud import ACCOUNT_SIZES, MODES, api_span, cluster_vars, control_plane_report, critical_calls
from tools.stats import show, summary


def _log(*times):
    return [{"time": t, "method": "GET"} for t in times]


@pytest.mark.parametrize("times, expected", [
    ((), 0),
    ((0.0,), 1),
    ((0.0, 0.05, 0.10, 0.15), 4),                     # one after the other
    ((0.0, 0.001, 0.002, 0.003), 1),                  # four at once (a pool)
    ((0.0, 0.001, 0.002, 0.003, 0.06, 0.061), 2),     # two rounds of a pool
    ((0.0, 0.2, 0.201, 0.5), 3),                      # a gap, a pair, another call
])
def test_critical_path_counts_calls_that_ran_one_after_the_other(times, expected):
    assert critical_calls(_log(*times), latency_ms=50) == expected


@pytest.mark.parametrize("times, expected", [
    ((), 0.0),
    ((1.0,), 0.05),                                   # one call: its latency
    ((1.0, 1.05, 1.10), 0.15),                        # three in a row
    ((1.0, 1.001, 1.002), 0.052),                     # three at once
])
def test_api_span_runs_from_the_first_call_to_the_last_answer(times, expected):
    assert api_span(_log(*times), latency_ms=50) == pytest.approx(expected)


def test_benchmark_cluster_fits_the_port_address_limit():
    """8 addresses on 10 servers; a cluster-net port carries at most 3 shared IPs next to its 2 fixed ones."""
    shared = cluster_vars()["shared_ips"]
    assert len(shared) == 8
    load = {}
    for ip in shared:
        assert len(set(ip["members"])) == len(ip["members"]) >= 2
        for member in ip["members"]:
            load[member] = load.get(member, 0) + 1
    assert len(load) == 10 and max(load.values()) <= 3


def test_summary_shows_median_with_min_and_max():
    s = summary([3.0, 1.0, 2.0])
    assert (s["median"], s["min"], s["max"]) == (2.0, 1.0, 3.0)
    assert show(s, " s", 1) == "2.0 s (1.0-3.0)"
    assert show(summary([5]), " ms") == "5 ms"
    assert show(None) == "n/a"


def test_role_figures_give_the_ratio_of_each_round():
    from tools.bench_lab import role_figures

    figures = role_figures({"floor": {"converge": [10.0, 20.0, 10.0], "rerun": [4.0, 5.0, 4.0], "rerun_changed": [0, 0, 0]},
                            "role": {"converge": [12.0, 22.0, 30.0], "rerun": [4.4, 5.0, 6.0], "rerun_changed": [0, 0, 1]}})
    assert [round(v, 2) for v in figures["ratio"]["converge"]["values"]] == [1.2, 1.1, 3.0]
    assert figures["ratio"]["converge"]["median"] == pytest.approx(1.2)
    assert figures["ratio"]["rerun"]["median"] == pytest.approx(1.1)
    assert figures["role"]["rerun_changed"]["max"] == 1


def test_task_profile_sums_a_task_within_a_run_and_takes_the_median_over_runs(tmp_path):
    import json

    from tools.bench_lab import task_profile

    def run(name, *entries):
        path = tmp_path / name
        path.write_text(json.dumps([{"task": t, "kind": k, "seconds": s, "changed": c} for t, k, s, c in entries]))
        return path

    paths = [run("1.json", ("apt", "task", 5.0, 3), ("flush", "task", 0.1, 0), ("flush", "task", 0.2, 0)),
             run("2.json", ("apt", "task", 7.0, 0), ("flush", "task", 0.3, 0), ("Reload", "handler", 1.0, 3)),
             run("3.json", ("apt", "task", 6.0, 0), ("flush", "task", 0.1, 0))]
    rows = task_profile(paths)
    assert rows[0] == ("apt", 6.0, 3)
    assert ("Reload (handler)", 1.0, 3) in rows
    assert [r for r in rows if r[0] == "flush"] == [("flush", pytest.approx(0.3), 0)]  # 0.1 + 0.2 in run 1


def test_role_report_shows_floor_role_and_ratio():
    from tools.bench_lab import role_figures, role_report

    figures = role_figures({"floor": {"converge": [40.0], "rerun": [16.0], "rerun_changed": [0]},
                            "role": {"converge": [34.0], "rerun": [16.8], "rerun_changed": [0]}})
    report = role_report(figures, 1)
    assert "converge (fresh members)  40.0 s  34.0 s  0.85" in report
    assert "idempotent re-run         16.0 s  16.8 s  1.05" in report and "0 / 0" in report


def test_cluster_task_declares_the_same_addresses_as_the_address_tasks():
    """The cluster module's `addresses` carry exactly what the 8 address tasks ask for."""
    out = cluster_vars()
    assert [(a["name"], a["address"], a["servers"]) for a in out["cluster_addresses"]] == \
        [(s["name"], s["address"], s["members"]) for s in out["shared_ips"]]


def _figures(median):
    return summary([median, median])


def _report_input():
    sizes = {str(n): {"reads_per_address": _figures(9.0), "kb_per_address": _figures(kb), "seconds": _figures(sec),
                      "writes": _figures(0), "servers_in_account": n + 2}
             for n, kb, sec in ((10, 9.2, 10.0), (1000, 9.2, 11.0), (5000, 9.2, 12.5))}
    row = {"calls": _figures(20), "writes": _figures(0), "critical_calls": _figures(4),
           "critical_after_login": _figures(3), "seconds": _figures(3.2), "seconds_without_latency": _figures(3.0),
           "latency_ratio": _figures(1.0), "span_ratio": _figures(1.1)}
    cluster_task = {"latency_ms": 50, "servers": 10, "addresses": 8, "members_per_address": 3}
    cluster_task.update((f"{mode}_{kind}", dict(row)) for mode in MODES for kind in ("cold", "noop"))
    return {"account_sweep": {"addresses": 8, "sizes": sizes,
                              "ratios": {"reads_per_address": 1.0, "kb_per_address": 1.0, "seconds": 1.25}},
            "cluster_task": cluster_task}


def test_report_shows_the_sweep_ratio_and_both_ways_of_declaring():
    text = control_plane_report(_report_input(), runs=2)
    assert f"ratio {ACCOUNT_SIZES[-1]:,}/{ACCOUNT_SIZES[0]}" in text
    assert "1.25x" in text and "5,000" in text
    assert "1 cluster task, no-op re-run" in text and "8 address tasks, cold converge" in text
    assert "(wall - at 0 ms)/(path x lat.)" in text and "span after login/(path x lat.)" in text and "1.10" in text
