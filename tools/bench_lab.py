"""Data-plane figures in the lab: what a client notices when an address moves, and how long the role takes."""

import time

from tools import dataplane
from tools.paths import ROOT, WORK
from tools.playbook import run_playbook
from tools.progress import detail, step
from tools.stats import show, summary
from tools.table import table

PLAYBOOK = ROOT / "tools" / "bench_role.yml"
LAB_NAME = "bench"
MEMBERS = ["node01", "node02", "node03"]
ADDRESS = "192.168.100.100"
UNHEALTHY = "/run/fsip-bench-unhealthy"
PROFILES = {
    # the role's defaults: 1 s adverts (a holder is declared dead after about 3 s), a 2 s health check
    "default": {"check": {"interval": 2, "fall": 2, "rise": 2}},
    # sub-second adverts (VRRPv3) and a 1 s health check that fails at the first miss
    "fast": {"keepalived_vip_advert_int": 0.2, "check": {"interval": 1, "fall": 1, "rise": 1}},
}
KINDS = ("hard failure", "failed health check", "planned move (drain)")


def role_vars(profile):
    settings = dict(PROFILES[profile])
    check = {"name": "health", "type": "script", "script": f"/usr/bin/test ! -e {UNHEALTHY}", **settings.pop("check")}
    return {"keepalived_vip_interface": dataplane.LAB_INTERFACE, "keepalived_vip_checks": [check],
            "keepalived_vip_addresses": [{"name": "web", "address": ADDRESS, "preferred": MEMBERS[:2],
                                          "track": ["health"]}], **settings}


def _run(lab, log, extra):
    run = run_playbook(lab.inventory, log, extra_vars=extra, playbook=PLAYBOOK)
    if run.rc != 0:
        raise RuntimeError(f"ansible-playbook exited with {run.rc}; see {log}")
    return run


def _fresh_lab(lab):
    from tests.lab import Lab

    if lab is not None:
        lab.down()
    return Lab(LAB_NAME, members=len(MEMBERS), log=lambda text: None).up()


def bench_role(lab, runs, work):
    """The role on fresh members, then the same run again (idempotent: nothing changes)."""
    converge, rerun, rerun_changed = [], [], []
    for i in range(runs):
        lab = _fresh_lab(lab)
        first = _run(lab, work / f"role-{i + 1}.log", role_vars("default"))
        second = _run(lab, work / f"role-{i + 1}-again.log", role_vars("default"))
        detail(f"role run {i + 1}/{runs}: converge {first.seconds:.1f}s, re-run {second.seconds:.1f}s "
               f"({second.changed} tasks changed)")
        converge.append(first.seconds)
        rerun.append(second.seconds)
        rerun_changed.append(second.changed)
    return lab, {"converge_s": summary(converge), "rerun_s": summary(rerun), "rerun_changed": summary(rerun_changed)}


def _one_move(lab, kind, work, profile, i):
    holder, backup = MEMBERS[0], MEMBERS[1]
    member = lab.member(holder)
    if kind == "hard failure":
        def act():
            return lab.cut_link(holder)

        def undo():
            return lab.restore_link(holder)
        skip = [holder]
    elif kind == "failed health check":
        def act():
            return member.exec(["touch", UNHEALTHY])

        def undo():
            return member.exec(["rm", "-f", UNHEALTHY])
        skip = []
    else:
        extra = {**role_vars(profile), "bench_host": holder}

        def act():
            return _run(lab, work / f"drain-{profile}-{i}.log", {**extra, "bench_action": "drain"})

        def undo():
            return _run(lab, work / f"undrain-{profile}-{i}.log", {**extra, "bench_action": "undrain"})
        skip = []
    tag = f"{profile}-{kind.split()[0]}-{i}"
    move = dataplane.observe_move(lab, [ADDRESS], act, {ADDRESS: backup}, skip=skip, tag=tag)
    undo()
    ok, held = dataplane.settled(lab, {ADDRESS: holder}, timeout=60)
    if not ok:
        raise RuntimeError(f"{profile}/{kind}: {ADDRESS} did not come back to {holder}: {held}")
    return {"interruption_ms": move.interruption_ms[ADDRESS] if move.resumed[ADDRESS] else None,
            "moved_s": move.seconds, "garps": len(move.garps_for(ADDRESS, backup)),
            "first_garp_ms": move.first_garp_ms(ADDRESS, backup), "moved_to": move.moved_to[ADDRESS]}


def bench_moves(lab, runs, work):
    out = {}
    for profile in PROFILES:
        step(f"data plane: {profile} profile")
        _run(lab, work / f"profile-{profile}.log", role_vars(profile))
        ok, held = dataplane.settled(lab, {ADDRESS: MEMBERS[0]}, timeout=60)
        if not ok:
            raise RuntimeError(f"{profile}: {ADDRESS} is not on {MEMBERS[0]} after the converge: {held}")
        out[profile] = {}
        for kind in KINDS:
            samples = []
            for i in range(runs):
                one = _one_move(lab, kind, work, profile, i + 1)
                detail(f"{kind} {i + 1}/{runs}: client lost {one['interruption_ms']} ms, moved in "
                       f"{one['moved_s'] and round(one['moved_s'], 2)} s, {one['garps']} GARPs from the new holder")
                samples.append(one)
            out[profile][kind] = {
                "interruption_ms": summary([s["interruption_ms"] for s in samples]),
                "moved_s": summary([s["moved_s"] for s in samples]),
                "garps": summary([s["garps"] for s in samples]),
                "first_garp_ms": summary([s["first_garp_ms"] for s in samples]),
                "failed_runs": sum(1 for s in samples if s["interruption_ms"] is None or s["moved_s"] is None),
            }
    return out


def bench_data_plane(runs=3):
    work = WORK / "bench"
    work.mkdir(parents=True, exist_ok=True)
    lab = None
    started = time.monotonic()
    try:
        step(f"data plane: the role on {len(MEMBERS)} fresh lab members, twice ({runs} runs)")
        lab, role = bench_role(lab, runs, work)
        moves = bench_moves(lab, runs, work)
    finally:
        if lab is not None:
            step("data plane: taking the lab down")
            lab.down()
    return {"role": role, "moves": moves, "profiles": {k: dict(v) for k, v in PROFILES.items()},
            "seconds": round(time.monotonic() - started, 1)}


def data_plane_report(dp, runs):
    lines = [f"Data plane: lab of {len(MEMBERS)} members, one address moving off its holder; "
             f"median (min-max) of {runs} runs; interruption = longest gap between replies at a client "
             "pinging every 10 ms"]
    rows = []
    for profile, kinds in dp["moves"].items():
        for kind, r in kinds.items():
            rows.append([profile, kind, show(r["interruption_ms"], " ms"), show(r["first_garp_ms"], " ms"),
                         show(r["garps"]), str(r["failed_runs"])])
    lines.append(table(["profile", "move", "client interruption", "first GARP after the event",
                        "GARPs from the new holder", "failed runs"], rows))
    role = dp["role"]
    lines += ["", table(["role on 3 members", "wall time", "tasks changed"],
                        [["converge (fresh members)", show(role["converge_s"], " s", 1), "-"],
                         ["idempotent re-run", show(role["rerun_s"], " s", 1), show(role["rerun_changed"])]])]
    return "\n".join(lines)
