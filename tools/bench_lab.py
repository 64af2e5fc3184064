"""Data-plane figures in the lab: how long the role takes (against a floor), and what a client notices when
an address moves with each timer profile of the role (tools/bench_profiles.py).

`python -m tools.bench_lab` runs the role figures alone (floor and role, per-task profiles); `make bench` runs all.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from tools import dataplane
from tools.bench_profiles import bench_profiles, kinds_report, profiles_report
from tools.paths import ROOT, WORK
from tools.playbook import run_playbook
from tools.progress import detail, step
from tools.stats import show, summary
from tools.table import table

PLAYBOOK = ROOT / "tools" / "bench_role.yml"
FLOOR = ROOT / "tools" / "bench_floor.yml"
CALLBACKS = ROOT / "tools" / "callback_plugins"
LAB_NAME = os.environ.get("FSIP_BENCH_LAB", "bench")
MEMBERS = ["node01", "node02", "node03"]
ADDRESS = "192.168.100.100"
UNHEALTHY = "/run/fsip-bench-unhealthy"
# The converge figures: 3 IPv4 addresses, each first on another member, one of them tracking a health check
CONVERGE_ADDRESSES = [{"name": "web", "address": ADDRESS, "preferred": MEMBERS[:2], "track": ["health"]},
                      {"name": "api", "address": "192.168.100.101", "preferred": [MEMBERS[1]]},
                      {"name": "db", "address": "192.168.100.102", "preferred": [MEMBERS[2]]}]


def role_vars():
    """The role on its default timer profile, one address tracking a 2 s health check."""
    check = {"name": "health", "type": "script", "script": f"/usr/bin/test ! -e {UNHEALTHY}",
             "interval": 2, "fall": 2, "rise": 2}
    return {"keepalived_vip_interface": dataplane.LAB_INTERFACE, "keepalived_vip_checks": [check],
            "keepalived_vip_addresses": [{"name": "web", "address": ADDRESS, "preferred": MEMBERS[:2],
                                          "track": ["health"]}]}


def _run(lab, log, extra, playbook=PLAYBOOK, profile=None):
    env = None
    if profile is not None:
        env = {"ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS), "ANSIBLE_CALLBACKS_ENABLED": "task_profile",
               "FSIP_TASK_PROFILE": str(profile)}
    run = run_playbook(lab.inventory, log, extra_vars=extra, playbook=playbook, env=env)
    if run.rc != 0:
        raise RuntimeError(f"ansible-playbook exited with {run.rc}; see {log}")
    return run


def _fresh_lab(lab):
    """The lab with brand-new members (a lab of that name left from before is taken down first)."""
    from testbed.lab import Lab

    (lab or Lab(LAB_NAME, members=len(MEMBERS), log=lambda text: None)).down()
    return Lab(LAB_NAME, members=len(MEMBERS), log=lambda text: None).up()


def converge_vars():
    return {**role_vars(), "keepalived_vip_addresses": CONVERGE_ADDRESSES}


def _twice(lab, name, playbook, work, i):
    """Converge fresh members, then the same run again; the profile of each in work/."""
    runs = []
    for kind in ("converge", "rerun"):
        stem = work / f"{name}-{i}-{kind}"
        run = _run(lab, stem.with_suffix(".log"), converge_vars(), playbook, profile=stem.with_suffix(".profile.json"))
        runs.append(run)
    return runs


def bench_role(lab, runs, work):
    """The floor (tools/bench_floor.yml) and the role, each on fresh members, converged twice, `runs` rounds."""
    figures = {"floor": {"converge": [], "rerun": [], "rerun_changed": []},
               "role": {"converge": [], "rerun": [], "rerun_changed": []}}
    for i in range(1, runs + 1):
        for name, playbook in (("floor", FLOOR), ("role", PLAYBOOK)):
            lab = _fresh_lab(lab)
            first, second = _twice(lab, name, playbook, work, i)
            detail(f"{name} round {i}/{runs}: converge {first.seconds:.1f}s, re-run {second.seconds:.1f}s "
                   f"({second.changed} tasks changed)")
            figures[name]["converge"].append(first.seconds)
            figures[name]["rerun"].append(second.seconds)
            figures[name]["rerun_changed"].append(second.changed)
    return lab, role_figures(figures)


def role_figures(figures):
    """Summaries of the floor and the role, and the role/floor ratio of each round."""
    out = {}
    for name, runs in figures.items():
        out[name] = {"converge_s": summary(runs["converge"]), "rerun_s": summary(runs["rerun"]),
                     "rerun_changed": summary(runs["rerun_changed"])}
    out["ratio"] = {kind: summary([r / f for r, f in zip(figures["role"][kind], figures["floor"][kind]) if f])
                    for kind in ("converge", "rerun")}
    return out


def task_profile(paths):
    """Median seconds per task over several runs of one playbook: [(task, seconds, changed)], slowest first."""
    by_task = {}
    for path in paths:
        seen = {}
        for entry in json.loads(Path(path).read_text()):
            # the same name twice in one run (an include, a handler) is summed within the run
            key = entry["task"] if entry["kind"] == "task" else f"{entry['task']} (handler)"
            seconds, changed = seen.get(key, (0.0, 0))
            seen[key] = (seconds + entry["seconds"], changed + entry["changed"])
        for key, value in seen.items():
            by_task.setdefault(key, []).append(value)
    rows = [(key, statistics.median(v[0] for v in values), max(v[1] for v in values)) for key, values in by_task.items()]
    return sorted(rows, key=lambda row: -row[1])


def profile_report(work, name, runs):
    """Text: the per-task profile of the converge and the re-run of `name` (floor or role)."""
    lines = []
    for kind in ("converge", "rerun"):
        rows = task_profile([work / f"{name}-{i}-{kind}.profile.json" for i in range(1, runs + 1)])
        total = sum(row[1] for row in rows)
        lines += [f"{name} {kind}: {len(rows)} tasks, {total:.2f} s in tasks (median of {runs} runs per task)",
                  table(["seconds", "changed hosts", "task"], [[f"{s:.2f}", str(c), t] for t, s, c in rows]), ""]
    return "\n".join(lines)


def bench_data_plane(runs=3, cuts=20, moves=5, soak_minutes=2):
    work = WORK / "bench"
    work.mkdir(parents=True, exist_ok=True)
    lab = None
    started = time.monotonic()
    profiles = bench_profiles(cuts, moves, soak_minutes)
    try:
        step(f"data plane: the floor and the role on {len(MEMBERS)} fresh lab members, twice each ({runs} rounds)")
        lab, role = bench_role(lab, runs, work)
    finally:
        if lab is not None:
            step("data plane: taking the lab down")
            lab.down()
    return {"role": role, "profiles": profiles, "seconds": round(time.monotonic() - started, 1)}


def data_plane_report(dp, runs):
    return "\n\n".join([profiles_report(dp["profiles"]), kinds_report(dp["profiles"]), role_report(dp["role"], runs)])


def role_report(role, runs):
    """The floor next to the role: wall times, the re-run's changes, role/floor per round."""
    rows = []
    for kind, label in (("converge", "converge (fresh members)"), ("rerun", "idempotent re-run")):
        rows.append([label, show(role["floor"][f"{kind}_s"], " s", 1), show(role["role"][f"{kind}_s"], " s", 1),
                     show(role["ratio"][kind], "", 2),
                     "-" if kind == "converge" else f"{show(role['floor']['rerun_changed'])} / "
                                                    f"{show(role['role']['rerun_changed'])}"])
    return (f"The role against a floor (tools/bench_floor.yml: package, one validated template, service) on "
            f"{len(MEMBERS)} fresh members, {len(CONVERGE_ADDRESSES)} addresses; median (min-max) of {runs} rounds; "
            "ratio = role/floor within each round\n"
            + table(["converge", "floor", "role", "role/floor", "tasks changed (floor / role)"], rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description="The role against its floor, with per-task profiles (as root).")
    parser.add_argument("--runs", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--profile", type=Path, help="write the role's per-task profile (text) here")
    args = parser.parse_args(argv)
    work = WORK / "bench"
    work.mkdir(parents=True, exist_ok=True)
    lab = None
    try:
        step(f"the floor and the role on {len(MEMBERS)} fresh members of lab {LAB_NAME}, twice each ({args.runs} rounds)")
        lab, role = bench_role(lab, args.runs, work)
    finally:
        if lab is not None:
            lab.down()
    print(role_report(role, args.runs))
    print()
    report = profile_report(work, "role", args.runs) + "\n" + profile_report(work, "floor", args.runs)
    if args.profile:
        args.profile.write_text(report)
        step(f"profiles written to {args.profile}")
    else:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
