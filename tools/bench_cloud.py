"""Control-plane figures: the seed's 10-server / 8-address cluster converging against the simulator
with added latency per call, cold and as a no-op re-run."""

import json

from tools.cloud import DEMO_LOGIN, simulator
from tools.paths import ROOT, WORK
from tools.playbook import cloud_env, run_playbook
from tools.progress import detail, step
from tools.stats import summary

SERVERS = [f"node{i:02d}" for i in range(1, 11)]
ADDRESSES = 8
PER_ADDRESS = 3  # a cluster-net port carries 5 addresses, 2 of them its own fixed v4 and v6: 3 shared at most
PLAYBOOK = ROOT / "tools" / "bench_cloud.yml"


def cluster_vars():
    """8 shared IPs, each on 3 of the 10 servers, spread so that every server carries 2 or 3 of them."""
    shared = []
    for i in range(ADDRESSES):
        members = [SERVERS[(i * PER_ADDRESS + k) % len(SERVERS)] for k in range(PER_ADDRESS)]
        shared.append({"name": f"svc{i + 1}", "address": f"192.168.100.{100 + i}", "members": members,
                       "preferred": members[:1]})
    return {"shared_ips": shared}


def inventory(path):
    path.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                    "      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n")
    return path


def critical_calls(log, latency_ms):
    """Calls on the critical path: the most calls of the log that happened one after the other (no two
    overlapping in time). Every call takes at least the added latency, so a call logged at `time` spans
    [time, time + latency] (the same shift for every call, wherever the simulator takes the time)."""
    spans = sorted((e["time"], e["time"] + latency_ms / 1000.0) for e in log)
    chain, last_end = 0, float("-inf")
    for start, end in sorted(spans, key=lambda s: s[1]):  # earliest end first: the longest chain
        if start >= last_end - 1e-6:
            chain += 1
            last_end = end
    return chain


def _one(sim, inv, log, latency_ms, extra):
    sim.reset_counters()
    run = run_playbook(inv, log, extra_vars={"shared_ip_identity_url": sim.identity_url, **extra},
                       env=cloud_env(DEMO_LOGIN), playbook=PLAYBOOK)
    if run.rc != 0:
        raise RuntimeError(f"converge failed (rc {run.rc}); see {log}")
    counters = sim.counters()
    critical = critical_calls(sim.control("GET", "log"), latency_ms)
    return {"seconds": run.seconds, "changed": run.changed, "calls": counters["total"],
            "by_method": counters["by_method"], "critical_calls": critical,
            "ratio": run.seconds / (critical * latency_ms / 1000.0) if critical and latency_ms else None}


def bench_control_plane(runs=3, latency_ms=50):
    """Each run: cold converge and no-op re-run at `latency_ms` per call, and the same without added latency
    (what Ansible itself costs), so that the latency's share can be set against the critical path."""
    work = WORK / "bench"
    work.mkdir(parents=True, exist_ok=True)
    inv = inventory(work / "inventory-cloud.yml")
    extra = cluster_vars()
    results = {(kind, lat): [] for kind in ("cold", "noop") for lat in (latency_ms, 0)}
    with simulator(work / "fakecloud.log") as sim:
        for i in range(runs):
            for lat in (latency_ms, 0):
                sim.reset_state()
                sim.faults(latency_ms=lat)
                for kind in ("cold", "noop"):
                    step(f"control plane: {kind} converge {i + 1}/{runs} (10 servers, 8 addresses, {lat} ms/call)")
                    one = _one(sim, inv, work / f"cloud-{kind}-{lat}ms-{i + 1}.log", lat, extra)
                    detail(f"{one['seconds']:.1f}s, {one['calls']} calls {json.dumps(one['by_method'])}, "
                           f"{one['changed']} changed")
                    results[(kind, lat)].append(one)
        sim.faults(latency_ms=0)
    out = {"latency_ms": latency_ms, "servers": len(SERVERS), "addresses": ADDRESSES,
           "members_per_address": PER_ADDRESS}
    for kind in ("cold", "noop"):
        slow, fast = results[(kind, latency_ms)], results[(kind, 0)]
        methods = sorted({m for r in slow for m in r["by_method"]})
        out[kind] = {
            "seconds": summary([r["seconds"] for r in slow]),
            "seconds_without_latency": summary([r["seconds"] for r in fast]),
            "calls": summary([r["calls"] for r in slow]),
            "by_method": {m: summary([r["by_method"].get(m, 0) for r in slow]) for m in methods},
            "critical_calls": summary([r["critical_calls"] for r in slow]),
            "ratio": summary([r["ratio"] for r in slow]),
            # the time the latency added, over what it must add at least (critical path x latency)
            "latency_ratio": summary([(s["seconds"] - f["seconds"]) / (s["critical_calls"] * latency_ms / 1000.0)
                                      for s, f in zip(slow, fast) if s["critical_calls"]]),
            "changed": summary([r["changed"] for r in slow]),
        }
    return out
