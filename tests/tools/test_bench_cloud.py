"""The control-plane benchmark's derived figures (bench_cloud.py): calls on the critical path, the API span,
the cluster it declares two ways, and the control-plane report."""

import pytest

from tools.bench_cloud import ACCOUNT_SIZES, MODES, api_span, cluster_vars, control_plane_report, critical_calls
from tools.stats import summary


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
    refused = {"runs": 2, "tasks": {"Ping, first use": _figures(0.85), "Address, refused, first use": _figures(1.31)}}
    return {"account_sweep": {"addresses": 8, "sizes": sizes,
                              "ratios": {"reads_per_address": 1.0, "kb_per_address": 1.0, "seconds": 1.25}},
            "cluster_task": cluster_task, "refused": refused}


def test_report_shows_the_sweep_ratio_and_both_ways_of_declaring():
    text = control_plane_report(_report_input(), runs=2)
    assert f"ratio {ACCOUNT_SIZES[-1]:,}/{ACCOUNT_SIZES[0]}" in text
    assert "1.25x" in text and "5,000" in text
    assert "1 cluster task, no-op re-run" in text and "8 address tasks, cold converge" in text
    assert "(wall - at 0 ms)/(path x lat.)" in text and "span after login/(path x lat.)" in text and "1.10" in text
    assert "Address, refused, first use  1.31 s" in text and "Ping, first use              0.85 s" in text
