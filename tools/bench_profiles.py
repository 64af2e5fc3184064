"""The role's timer profiles side by side, measured in the lab (part of `make bench`; alone:
`python -m tools.bench_profiles`, as root).

Per profile (keepalived_vip_timer_profiles of the role), on one lab of 3 members with an IPv4 and an IPv6
address both first on node01 and tracking a health check, a client probing each address every 5 ms (as a
realtime task, standing for another machine that load on this one does not slow down):

- hard failover: node01's link cut (no goodbye), `--cuts` times; the client's longest silence, v4 and v6;
- planned moves: a drain (the files the role's `drain` writes) and its undrain (with the holder's
  hand-back), a `move` of both addresses to node02 (the role's offset files) and back, a failing health check
  (weight -253; a `file` check, the verdict of a health agent, which keepalived notices at once) and its
  recovery, and a failing script check of weight 0 (FAULT; run every second, so noticed up to a second late)
  and its recovery, `--moves` times each; the client's longest silence, the time until the move settled (new
  holder has the address, the old one has dropped it: `ip monitor` in every member) and any third member
  that took the address meanwhile; and a drain and undrain through the role's own tasks (ansible-playbook),
  the undrain settled from its write of the drain file;
- quiet figures: keepalived's CPU per member and the packets per second on the wire per address
  (VRRP adverts, gratuitous ARPs and unsolicited NAs) over 20 s;
- under load: a `--soak-minutes` soak of the profile (tools/soak.py), spurious transitions per hour.

Figures are printed (p50 and p99 as nearest ranks), never asserted.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from tools import dataplane, soak
from tools.paths import WORK, ensure_importable
from tools.playbook import run_playbook
from tools.progress import detail, step
from tools.table import table

MEMBERS = ["node01", "node02", "node03"]
ADDRESSES = ["192.168.100.100", "fd00:100::100"]
HOLDER, BACKUP = "node01", "node02"
# the health check's verdict, 1 for down (a process check would notice as soon, but keepalived's process
# events need the host's network namespace, which the lab's containers do not have)
HEALTH = "/run/fsip-bench-health"
FAULTY = "/run/fsip-bench-faulty"  # the weight-0 check fails while it exists
NAMES = [f"vip{i}" for i in range(len(ADDRESSES))]
PROBE_MS = 5
QUIET_SECONDS = 20
LAB_NAME = os.environ.get("FSIP_BENCH_PROFILES_LAB", "benchp")


def profiles():
    return dataplane.role_file("defaults/main.yml")["keepalived_vip_timer_profiles"]


def role_vars(profile):
    checks = [{"name": "health", "type": "file", "file": HEALTH},
              {"name": "fault", "type": "script", "script": f"/usr/bin/test ! -e {FAULTY}", "interval": 1,
               "fall": 1, "rise": 1, "weight": 0}]
    return {"keepalived_vip_interface": dataplane.LAB_INTERFACE, "keepalived_vip_checks": checks,
            "keepalived_vip_timer_profile": profile,
            "keepalived_vip_addresses": [{"name": name, "address": a, "preferred": [HOLDER], "track": ["health", "fault"]}
                                         for name, a in zip(NAMES, ADDRESSES)]}


def move_offsets(to, advert):
    """{member: offset} that the role's `move` writes to put both addresses (planned order MEMBERS) on `to`."""
    from ansible_collections.failover.shared_ip.plugins.filter.vrrp import priorities, vrrp_move_offsets

    ranks = dict(zip(MEMBERS, priorities(len(MEMBERS), advert)))
    plan = {"instances": [{"name": name, "order": MEMBERS, "advert_int": advert, "priority": ranks} for name in NAMES]}
    return vrrp_move_offsets(plan, NAMES[0], to)


def _move(lab, to, advert):
    """The role's `move` of both addresses: every member writes its offset files, then the holder of the
    addresses, if it is no longer first, hands them over (tasks/handover.yml)."""
    offsets = move_offsets(to, advert)
    first = to or MEMBERS[0]
    holder = BACKUP if first == HOLDER else HOLDER
    files = [f"{dataplane.STATE_DIR}/{name}.offset" for name in NAMES]
    for member in MEMBERS:
        lab.member(member).exec("; ".join(f"echo {offsets[member]} > {f}" for f in files))
    lab.member(holder).exec(dataplane.handover(files, "offset", offsets[holder], NAMES))


def _undrain(lab):
    """The role's `undrain`: the drain file back to 0 and, once keepalived reports the member's planned
    priorities again, the holder hands back what the member comes first for (tasks/undrain.yml)."""
    restored = " && ".join(f"grep -qvx 1 {dataplane.RUN_DIR}/{name}.priority" for name in NAMES)
    lab.member(HOLDER).exec(f"echo 0 > {dataplane.DRAIN}; for i in $(seq 2000); do {restored} && break; "
                            "sleep 0.005; done")
    files = [f"{dataplane.STATE_DIR}/{name}.handover" for name in NAMES]
    lab.member(BACKUP).exec(dataplane.handover(files, "offset", 0, NAMES))


def _role_action(lab, work, action):
    """The role's own `drain` or `undrain` of node01 (the planned-move play of tools/bench_role.yml). Returns
    when an undrain wrote the drain file (its first write: the figures count from there), None for a drain
    (its first write, the moment of FAULT, is overwritten: they count from the start of ansible-playbook)."""
    log = work / f"role-{action}.log"
    run = run_playbook(lab.inventory, log, extra_vars={"bench_action": action, "bench_host": HOLDER},
                       playbook=soak.PLAYBOOK)
    if run.rc != 0:
        raise RuntimeError(f"the role's {action} exited with {run.rc}; see {log}")
    if action == "undrain":
        return float(lab.member(HOLDER).exec(["stat", "-c", "%.9Y", dataplane.DRAIN]).stdout)
    return None


def planned_actions(lab, advert, work):
    """(kind, kind back, act, undo) of each planned move, as the role's tasks do them; an act or undo may
    return the time of its first write, when that is not when it was called."""
    node = lab.member(HOLDER)
    return (("drain", "undrain", lambda: node.exec(dataplane.handover([dataplane.DRAIN], "drain", 1, NAMES)),
             lambda: _undrain(lab)),
            ("move", "move back", lambda: _move(lab, BACKUP, advert), lambda: _move(lab, None, advert)),
            ("drain, the role's playbook", "undrain, the role's tasks", lambda: _role_action(lab, work, "drain"),
             lambda: _role_action(lab, work, "undrain")),
            ("failing check", "check recovered", lambda: node.exec(f"echo 1 > {HEALTH}"),
             lambda: node.exec(f"echo 0 > {HEALTH}")),
            ("failing script check, weight 0", "weight-0 check recovered", lambda: node.exec(f"touch {FAULTY}"),
             lambda: node.exec(f"rm -f {FAULTY}")))


class Watch:
    """`ip monitor address` in every member (realtime, outside the members' PID namespaces) for a profile."""

    def __init__(self, lab, work, seconds):
        from testbed.lab import faults

        self.lab, self.work, self.procs = lab, work, []
        for name in MEMBERS:
            log = open(work / f"watch-{name}.log", "w")
            argv = faults.in_member_net(lab.member(name), ["chrt", "-f", str(soak.WATCH_PRIORITY), "timeout",
                                                           str(seconds), "ip", "-ts", "-o", "monitor", "address",
                                                           "dev", dataplane.LAB_INTERFACE])
            self.procs.append((subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, start_new_session=True), log))
        time.sleep(0.5)

    def changes(self, since):
        out = []
        for name in MEMBERS:
            lines = (self.work / f"watch-{name}.log").read_text(errors="replace").splitlines()
            out += [c for c in soak.parse_monitor(lines, name, ADDRESSES) if c[0] >= since]
        return sorted(out)

    def stop(self):
        for proc, log in self.procs:  # the whole group: killing `timeout` alone leaves its `ip monitor` running
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            log.close()


def strays(changes, address, new, old):
    """How often a third member (neither `new` nor `old`) took `address`."""
    return sum(1 for c in changes if c[2] == address and c[3] and c[1] not in (new, old))


def settle_ms(changes, acted_at, address, new, old):
    """Milliseconds from the action until `new` had `address` and `old` had dropped it (None: not both)."""
    added = [c[0] for c in changes if c[1] == new and c[2] == address and c[3]]
    dropped = [c[0] for c in changes if c[1] == old and c[2] == address and not c[3]]
    if not added or not dropped:
        return None
    return round((max(added[0], dropped[0]) - acted_at) * 1000, 1)


def _observe(lab, watch, act, new, old, wait):
    """Probe both addresses, act, wait; returns {address: {"loss_ms", "settle_ms", "strays", "silences"}},
    settled counted from the call of act or from the time of its first write that it returns; silences: each
    of 20 ms or more as [ms from that moment to its start, its length in ms] (where a loss happened)."""
    probes = {a: lab.start_probe(a, tag=f"bp{i}", max_seconds=wait + 30, interval_ms=PROBE_MS,
                                 gap_ms=4 * PROBE_MS, priority=soak.WATCH_PRIORITY)
              for i, a in enumerate(ADDRESSES)}
    try:
        time.sleep(0.5)
        acted_at = time.time()
        first_write = act()
        if isinstance(first_write, float):
            acted_at = first_write
        time.sleep(wait)
    finally:
        results = {a: p.stop() for a, p in probes.items()}
    changes = watch.changes(acted_at - 0.01)
    return {a: {"loss_ms": r["longest_gap_ms"] if r.get("resumed") else None,
                "settle_ms": settle_ms(changes, acted_at, a, new, old), "strays": strays(changes, a, new, old),
                "silences": [[round((start - acted_at) * 1000, 1), ms] for start, ms in r.get("gaps", [])]}
            for a, r in results.items()}


def _back_home(lab, profile):
    ok, held = dataplane.settled(lab, {a: HOLDER for a in ADDRESSES}, timeout=60)
    if not ok:
        raise RuntimeError(f"{profile}: the addresses did not come back to {HOLDER}: {held}")


def quiet_figures(lab, seconds=QUIET_SECONDS):
    """keepalived CPU (% of a core) per member and packets/s per address on the bridge, nothing happening."""
    before = soak.keepalived_cpu(lab)
    bpf = "ip proto 112 or ip6 proto 112 or arp or (icmp6 and ip6[40] == 136)"
    out = subprocess.run(["timeout", str(seconds), "ip", "netns", "exec", lab.netns, "tcpdump", "-i", lab.bridge,
                          "-nn", "-q", "-l", bpf], capture_output=True, text=True, check=False).stdout
    after = soak.keepalived_cpu(lab)
    lines = out.splitlines()
    vrrp = sum(1 for line in lines if "VRRP" in line or "ip-proto-112" in line)
    announce = len(lines) - vrrp
    return {"cpu_percent": soak.cpu_percent(before, after, seconds),
            "vrrp_pps_per_address": round(vrrp / seconds / len(ADDRESSES), 1),
            "announce_pps_per_address": round(announce / seconds / len(ADDRESSES), 2)}


def bench_profile(lab, profile, settings, cuts, moves, work):
    advert = float(settings["advert_int"])
    run = run_playbook(lab.inventory, work / f"converge-{profile}.log", extra_vars=role_vars(profile),
                       playbook=soak.PLAYBOOK)
    if run.rc != 0:
        raise RuntimeError(f"ansible-playbook exited with {run.rc}; see {work / f'converge-{profile}.log'}")
    _back_home(lab, profile)
    wait = max(1.0, 5 * advert + 0.5)
    actions = planned_actions(lab, advert, work)
    samples = {"hard failover": [], **{kind: [] for action in actions for kind in action[:2]}}
    total = cuts * (wait + 8) + moves * 2 * len(actions) * (wait + 3) + QUIET_SECONDS + 120
    watch = Watch(lab, work, int(total))
    try:
        figures = {"advert_int": advert, **quiet_figures(lab)}
        detail(f"{profile}: keepalived CPU {figures['cpu_percent']} %, {figures['vrrp_pps_per_address']} VRRP "
               f"and {figures['announce_pps_per_address']} announcement packets/s per address")
        for i in range(cuts):
            samples["hard failover"].append(_observe(lab, watch, lambda: lab.cut_link(HOLDER), BACKUP, HOLDER, wait))
            lab.restore_link(HOLDER)
            _back_home(lab, profile)
            time.sleep(1 + 4 * advert)
            one = samples["hard failover"][-1]
            detail(f"{profile} hard failover {i + 1}/{cuts}: client lost "
                   + ", ".join(f"{a} {v['loss_ms']} ms" for a, v in one.items()))
        for kind, back, act, undo in actions:
            for i in range(moves):
                samples[kind].append(_observe(lab, watch, act, BACKUP, HOLDER, wait))
                samples[back].append(_observe(lab, watch, undo, HOLDER, BACKUP, wait + 1))
                _back_home(lab, profile)
                detail(f"{profile} {kind} and back {i + 1}/{moves}: " + "; ".join(
                    f"{a} lost {samples[kind][-1][a]['loss_ms']}/{samples[back][-1][a]['loss_ms']} ms, settled "
                    f"{samples[kind][-1][a]['settle_ms']}/{samples[back][-1][a]['settle_ms']} ms" for a in ADDRESSES))
    finally:
        watch.stop()
    figures["samples"] = samples
    return figures


def pct(values, q):
    return soak.percentile(values, q)


def bench_profiles(cuts=20, moves=5, soak_minutes=2, only=None):
    ensure_importable()
    from testbed.lab import Lab

    work = WORK / "bench-profiles"
    work.mkdir(parents=True, exist_ok=True)
    out = {}
    chosen = {k: v for k, v in profiles().items() if not only or k in only}
    lab = Lab(LAB_NAME, members=len(MEMBERS), log=lambda text: None)
    try:
        lab.down()
        lab.up()
        for profile, settings in chosen.items():
            step(f"timer profile {profile}: {cuts} hard cuts, {moves} drains and failing checks (and back)")
            out[profile] = bench_profile(lab, profile, settings, cuts, moves, work)
    finally:
        lab.down()
    for profile in chosen:
        if soak_minutes:
            step(f"timer profile {profile}: {soak_minutes} min soak under load")
            result = soak.soak(profile, soak_minutes, name=f"{LAB_NAME[:6]}s")
            out[profile]["soak"] = {"minutes": soak_minutes, **result["summary"]}
    return out


def _series(samples, kind, address, key):
    return [s[address][key] for s in samples.get(kind, [])]


PLANNED = ("drain", "undrain", "failing check", "check recovered")


def kinds_report(results):
    """One row per profile and planned move: loss and settle p50/p99, unsettled ones, third members' grabs, and
    when the longest silence (20 ms or more) began, from the action: is the loss the move's own?"""
    rows = []
    for profile, r in results.items():
        for kind, series in r["samples"].items():
            if kind == "hard failover" or not series:
                continue
            loss = [s[a]["loss_ms"] for s in series for a in ADDRESSES]
            settle = [s[a]["settle_ms"] for s in series for a in ADDRESSES]
            silences = [g for s in series for a in ADDRESSES for g in s[a].get("silences", [])]
            longest = max(silences, key=lambda g: g[1], default=None)
            rows.append([profile, kind, len(series), f"{pct(loss, 50)}/{pct(loss, 99)}",
                         f"{pct(settle, 50)}/{pct(settle, 99)}", sum(1 for v in settle if v is None),
                         sum(s[a].get("strays", 0) for s in series for a in ADDRESSES),
                         f"{longest[1]:g} at {longest[0]:+g}" if longest else "-"])
    return ("Planned moves per kind (v4 and v6 together; settled from the first file write, ms)\n"
            + table(["profile", "kind", "n", "loss p50/p99", "settled p50/p99", "unsettled", "third member took it",
                     "longest silence, began at"], rows))


def profiles_report(results):
    rows = []
    for profile, r in results.items():
        s = r["samples"]
        hard = [_series(s, "hard failover", a, "loss_ms") for a in ADDRESSES]
        hard = [f"{pct(values, 50)}/{pct(values, 99)}" for values in hard]
        planned = [v for kind in PLANNED for a in ADDRESSES for v in _series(s, kind, a, "loss_ms")]
        settle = [v for kind in PLANNED for a in ADDRESSES for v in _series(s, kind, a, "settle_ms")]
        missing = sum(1 for v in settle if v is None)
        soaked = r.get("soak")
        spurious = (f"{soaked['spurious_transitions'] * 60 / soaked['minutes']:.0f} "
                    f"({soaked['spurious_transitions']} in {soaked['minutes']} min)" if soaked else "n/a")
        rows.append([profile, f"{r['advert_int'] * 1000:g} ms", hard[0], hard[1],
                     f"{pct(planned, 50)}/{pct(planned, 99)}",
                     f"{pct(settle, 50)}/{pct(settle, 99)}" + (f" ({missing} unsettled)" if missing else ""),
                     spurious, "/".join(f"{v:g}" for v in r["cpu_percent"].values()),
                     f"{r['vrrp_pps_per_address']:g} + {r['announce_pps_per_address']:g}"])
    n = len(next(iter(results.values()))["samples"]["hard failover"]) if results else 0
    m = len(next(iter(results.values()))["samples"]["drain"]) if results else 0
    return (f"Timer profiles: client probing every {PROBE_MS} ms; hard failover over {n} cuts of the holder's link; "
            f"planned = {m} drains, undrains, failing checks and recoveries, v4 and v6 together; "
            "p50/p99 in ms; settled = new holder has the address and the old one dropped it\n"
            + table(["profile", "advert", "hard v4 p50/p99", "hard v6 p50/p99", "planned loss p50/p99",
                     "planned settled p50/p99", "spurious/hour under load", "keepalived CPU % per member",
                     "packets/s per address (VRRP + GARP/NA)"], rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cuts", type=int, default=20)
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument("--soak-minutes", type=int, default=2, help="soak per profile (0: none)")
    parser.add_argument("--profile", action="append", help="only this profile (repeatable)")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args(argv)
    results = bench_profiles(args.cuts, args.moves, args.soak_minutes, args.profile)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)
    print(profiles_report(results))
    print(kinds_report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
