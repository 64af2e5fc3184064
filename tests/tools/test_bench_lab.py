"""The data-plane benchmark's derived figures (bench_lab.py): the role against its floor, round by round, the
task profile, and the role report."""

import json

import pytest

from tools.bench_lab import role_figures, role_report, task_profile


def test_role_figures_give_the_ratio_of_each_round():
    figures = role_figures({"floor": {"converge": [10.0, 20.0, 10.0], "rerun": [4.0, 5.0, 4.0], "rerun_changed": [0, 0, 0]},
                            "role": {"converge": [12.0, 22.0, 30.0], "rerun": [4.4, 5.0, 6.0], "rerun_changed": [0, 0, 1]}})
    assert [round(v, 2) for v in figures["ratio"]["converge"]["values"]] == [1.2, 1.1, 3.0]
    assert figures["ratio"]["converge"]["median"] == pytest.approx(1.2)
    assert figures["ratio"]["rerun"]["median"] == pytest.approx(1.1)
    assert figures["role"]["rerun_changed"]["max"] == 1


def test_task_profile_sums_a_task_within_a_run_and_takes_the_median_over_runs(tmp_path):
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
    figures = role_figures({"floor": {"converge": [40.0], "rerun": [16.0], "rerun_changed": [0]},
                            "role": {"converge": [34.0], "rerun": [16.8], "rerun_changed": [0]}})
    report = role_report(figures, 1)
    assert "converge (fresh members)  40.0 s  34.0 s  0.85" in report
    assert "idempotent re-run         16.0 s  16.8 s  1.05" in report and "0 / 0" in report
