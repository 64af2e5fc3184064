"""Control-plane figures against the simulator (issue 10):

- account size: a no-op `address` task per shared IP of the seed's cluster, with 10, 1,000 and 5,000
  servers in the account (the extra ones unrelated to the cluster, their fixed addresses in the address
  list): reads, bytes and wall time per address, and the ratios 5,000 / 10;
- one task or many: the same cluster (10 servers, 8 shared IPs) as ONE `cluster` task against 8
  `address` tasks, cold and as a no-op, at `latency_ms` per API call and at 0 ms (Ansible's own time):
  calls, critical path, wall, and (wall - wall at 0 ms) / (critical path x latency);
- a refused connection: an `address` task whose identity service does not listen, beside a ping task, each
  the first use in the run and a repeat (tools/bench_refused.py).

The critical path is derived from the simulator's request log (each entry's time is when its answer
went out; every call takes at least the added latency): the most calls that ran one after the other.
Bytes are the sizes of the answers to the run's reads, read again after the run with the same paths
(a no-op run changes nothing, so the answers are the same). Nothing here asserts a time.
"""

import json
import time
from contextlib import ExitStack

from testbed.fakecloud.client import request
from tools.bench_refused import bench_refused, refused_report
from tools.cloud import DEMO_LOGIN, simulator
from tools.paths import ROOT, WORK
from tools.playbook import cloud_env, local_inventory, run_playbook
from tools.progress import detail, step
from tools.stats import show, summary
from tools.table import table

SERVERS = [f"node{i:02d}" for i in range(1, 11)]
ADDRESSES = 8
PER_ADDRESS = 3  # a cluster-net port carries 5 addresses, 2 of them its own fixed v4 and v6: 3 shared at most
ACCOUNT_SIZES = (10, 1000, 5000)  # servers in the account: the cluster's 10 and the rest unrelated
MODES = ("cluster", "address")
PLAYBOOK = ROOT / "tools" / "bench_cloud.yml"
LOGIN_ROUTE = "POST /v2.0/tokens"


def cluster_vars():
    """8 shared IPs, each on 3 of the 10 servers, spread so that every server carries 2 or 3 of them;
    `cluster_addresses` is the same list in the cluster module's shape."""
    shared = []
    for i in range(ADDRESSES):
        members = [SERVERS[(i * PER_ADDRESS + k) % len(SERVERS)] for k in range(PER_ADDRESS)]
        shared.append({"name": f"svc{i + 1}", "address": f"192.168.100.{100 + i}", "members": members,
                       "preferred": members[:1]})
    return {"shared_ips": shared,
            "cluster_addresses": [{"name": s["name"], "address": s["address"], "servers": s["members"]}
                                  for s in shared]}


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


def api_span(log, latency_ms):
    """Seconds from the start of the first call to the answer of the last (a call logged at `time` started
    at least `latency` before): the time the cloud part took, without Ansible's start and end."""
    if not log:
        return 0.0
    return max(e["time"] for e in log) - min(e["time"] for e in log) + latency_ms / 1000.0


def _route(entry):
    return entry.get("route") or f"{entry['method']} {entry['path']}"


def read_bytes(sim, log):
    """Bytes of the answers to the log's reads, read again now with the same paths and a fresh token."""
    token = sim.session(DEMO_LOGIN).token
    return sum(len(request("GET", sim.url + e["path"], token=token, timeout=60).content)
               for e in log if e["method"] == "GET")


def _one(sim, inv, log, mode, latency_ms, extra, measure_bytes=False):
    """One run of the playbook in `mode`; what it cost according to the simulator."""
    sim.reset_counters()
    run = run_playbook(inv, log, extra_vars={"shared_ip_identity_url": sim.identity_url, "bench_mode": mode,
                                             **extra}, env=cloud_env(DEMO_LOGIN), playbook=PLAYBOOK)
    if run.rc != 0:
        raise RuntimeError(f"{mode} converge failed (rc {run.rc}); see {log}:\n{run.tail(15)}")
    counters = sim.counters()
    calls = sim.control("GET", "log")
    after_login = [e for e in calls if _route(e) != LOGIN_ROUTE]
    one = {"seconds": run.seconds, "changed": run.changed, "calls": counters["total"],
           "by_method": counters["by_method"], "reads": counters["by_method"].get("GET", 0),
           "writes": sum(n for m, n in counters["by_method"].items() if m != "GET") - counters["by_route"].get(
               LOGIN_ROUTE, 0)}
    if latency_ms:
        one["critical_calls"] = critical_calls(calls, latency_ms)
        one["critical_after_login"] = critical_calls(after_login, latency_ms)
        one["api_span"] = api_span(after_login, latency_ms)
    if measure_bytes:
        one["bytes"] = read_bytes(sim, calls)
    return one


def bench_account_sweep(work, inv, runs):
    """A no-op `address` task per shared IP with ACCOUNT_SIZES servers in the account, at 0 ms. One simulator
    per size, all up at once, and the no-op runs taken in turns over the sizes, so that a machine getting
    busier or quieter during the sweep moves every size alike."""
    extra = cluster_vars()
    out = {"addresses": ADDRESSES, "sizes": {}}
    noops = {size: [] for size in ACCOUNT_SIZES}
    with ExitStack() as stack:
        sims = {size: stack.enter_context(simulator(work / f"fakecloud-{size}.log",
                                                    extra_servers=size - len(SERVERS)))
                for size in ACCOUNT_SIZES}
        for size, sim in sims.items():
            step(f"account of {size} servers: cold converge (one cluster task)")
            _one(sim, inv, work / f"sweep-{size}-cold.log", "cluster", 0, extra)  # the state the no-ops find
        for i in range(runs):
            for size, sim in sims.items():
                step(f"account of {size} servers: no-op {i + 1}/{runs}")
                one = _one(sim, inv, work / f"sweep-{size}-noop-{i + 1}.log", "address", 0, extra,
                           measure_bytes=(i == 0))
                read = f", {one['bytes'] / 1024:.0f} kB read" if "bytes" in one else ""
                detail(f"{one['seconds']:.1f}s, {one['reads']} reads, {one['writes']} writes{read}")
                noops[size].append(one)
        in_account = {size: sum(len(r["servers"]) for r in sim.state()["regions"].values())
                      for size, sim in sims.items()}
    for size, runs_of_size in noops.items():
        out["sizes"][str(size)] = {
            "reads_per_address": summary([r["reads"] / ADDRESSES for r in runs_of_size]),
            "kb_per_address": summary([r["bytes"] / 1024.0 / ADDRESSES for r in runs_of_size if "bytes" in r]),
            "seconds": summary([r["seconds"] for r in runs_of_size]),
            "writes": summary([r["writes"] for r in runs_of_size]),
            "servers_in_account": in_account[size],
        }
    small, large = (out["sizes"][str(s)] for s in (ACCOUNT_SIZES[0], ACCOUNT_SIZES[-1]))
    out["ratios"] = {key: large[key]["median"] / small[key]["median"]
                     for key in ("reads_per_address", "kb_per_address", "seconds")
                     if small[key] and large[key] and small[key]["median"]}
    return out


def bench_cluster_task(work, inv, runs, latency_ms):
    """ONE cluster task against 8 address tasks, cold and no-op, at latency_ms and at 0 ms."""
    extra = cluster_vars()
    results = {(mode, kind, lat): [] for mode in MODES for kind in ("cold", "noop") for lat in (latency_ms, 0)}
    with simulator(work / "fakecloud.log") as sim:
        for i in range(runs):
            for mode in MODES:
                for lat in (latency_ms, 0):
                    sim.reset_state()
                    sim.faults(latency_ms=lat)
                    for kind in ("cold", "noop"):
                        step(f"{mode} {kind} {i + 1}/{runs} (10 servers, 8 addresses, {lat} ms/call)")
                        one = _one(sim, inv, work / f"{mode}-{kind}-{lat}ms-{i + 1}.log", mode, lat, extra)
                        detail(f"{one['seconds']:.1f}s, {one['calls']} calls {json.dumps(one['by_method'])}, "
                               f"critical path {one.get('critical_calls', '-')}, {one['changed']} changed")
                        results[(mode, kind, lat)].append(one)
        sim.faults(latency_ms=0)
    out = {"latency_ms": latency_ms, "servers": len(SERVERS), "addresses": ADDRESSES,
           "members_per_address": PER_ADDRESS}
    for mode in MODES:
        for kind in ("cold", "noop"):
            slow, fast = results[(mode, kind, latency_ms)], results[(mode, kind, 0)]
            methods = sorted({m for r in slow for m in r["by_method"]})
            out[f"{mode}_{kind}"] = {
                "seconds": summary([r["seconds"] for r in slow]),
                "seconds_without_latency": summary([r["seconds"] for r in fast]),
                "calls": summary([r["calls"] for r in slow]),
                "writes": summary([r["writes"] for r in slow]),
                "by_method": {m: summary([r["by_method"].get(m, 0) for r in slow]) for m in methods},
                "critical_calls": summary([r["critical_calls"] for r in slow]),
                "critical_after_login": summary([r["critical_after_login"] for r in slow]),
                # the time the latency added, over what it must add at least (critical path x latency)
                "latency_ratio": summary([(s["seconds"] - f["seconds"]) / (s["critical_calls"] * latency_ms / 1000.0)
                                          for s, f in zip(slow, fast) if s["critical_calls"]]),
                # the same from the simulator's log alone: the span of the calls after login (the declaring
                # task(s), without the login task or Ansible's start) over their critical path x latency
                "span_ratio": summary([s["api_span"] / (s["critical_after_login"] * latency_ms / 1000.0)
                                       for s in slow if s["critical_after_login"]]),
                "changed": summary([r["changed"] for r in slow]),
            }
    return out


def bench_control_plane(runs=2, latency_ms=50):
    work = WORK / "bench"
    work.mkdir(parents=True, exist_ok=True)
    inv = local_inventory(work / "inventory-cloud.yml")
    started = time.monotonic()
    out = {"refused": bench_refused(inv, runs),
           "account_sweep": bench_account_sweep(work, inv, runs),
           "cluster_task": bench_cluster_task(work, inv, runs, latency_ms)}
    out["seconds"] = round(time.monotonic() - started, 1)
    return out


def control_plane_report(cp, runs):
    """The control-plane tables, as `make bench` prints them."""
    sweep, ct = cp["account_sweep"], cp["cluster_task"]
    ratio = sweep["ratios"]
    rows = [[f"{int(size):,}", show(s["reads_per_address"], "", 1), show(s["kb_per_address"], " kB", 1),
             show(s["seconds"], " s", 1), show(s["writes"])] for size, s in sweep["sizes"].items()]
    rows.append([f"ratio {ACCOUNT_SIZES[-1]:,}/{ACCOUNT_SIZES[0]}"] +
                [f"{ratio[k]:.2f}x" if k in ratio else "n/a" for k in ("reads_per_address", "kb_per_address", "seconds")]
                + [""])
    lines = [f"Account size: a no-op `address` task per shared IP ({sweep['addresses']} of them), the "
             f"servers beyond the cluster's 10 unrelated to it; median (min-max) of {runs} runs, 0 ms added.",
             table(["servers in account", "reads/address", "bytes/address", "wall (8 tasks)", "writes"], rows),
             "",
             f"One task or many: {ct['servers']} servers, {ct['addresses']} shared IPs x "
             f"{ct['members_per_address']} members, {ct['latency_ms']} ms added per API call; median (min-max) of "
             f"{runs} runs. critical path = most calls that ran one after the other (from the simulator's "
             "request log); the last two columns near 1 mean the latency is paid only along it (span after login: "
             "first call to last answer of the declaring task(s), from the log)."]
    rows = []
    for mode in MODES:
        for kind, label in (("cold", "cold converge"), ("noop", "no-op re-run")):
            r = ct[f"{mode}_{kind}"]
            rows.append([f"{'1 cluster task' if mode == 'cluster' else '8 address tasks'}, {label}",
                         show(r["calls"]), show(r["writes"]), show(r["critical_calls"]),
                         show(r["critical_after_login"]), show(r["seconds"], " s", 1),
                         show(r["seconds_without_latency"], " s", 1), show(r["latency_ratio"], "", 2),
                         show(r.get("span_ratio"), "", 2)])
    lines.append(table(["converge", "API calls", "writes", "critical path", "after login", "wall",
                        "at 0 ms (Ansible)", "(wall - at 0 ms)/(path x lat.)", "span after login/(path x lat.)"], rows))
    lines += ["", refused_report(cp["refused"])]
    return "\n".join(lines)
