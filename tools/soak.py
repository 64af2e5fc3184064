"""`make soak`: the timer profile under load, for minutes, counting what must never happen.

A lab of 3 members runs the role on one timer profile (default: fastest) with an IPv4 and an IPv6 address
(first choices node01 and node02) that both track a health check. For the whole run: stress-ng keeps every
core busy (one CPU worker inside each member), the lab host floods every member and address with pings, and a
client probes both addresses every 5 ms. A schedule, the same each minute, adds the faults:

  :00  network-configuration reload on every holder: the addresses keepalived added are deleted from its
       interface, as systemd-networkd does with addresses it did not configure when it restarts (the members
       run no networkd; the deletion is what a reload does to keepalived's addresses)
  :10, :30, :50  a realtime CPU hog (SCHED_FIFO, priority 50) on every core for 200-500 ms, inside a member,
       ended from outside by a realtime parent of priority 99
  :20  one member (any) frozen whole for 1-2 s (cgroup freezer: a paused VM; every member is moved into its
       freezer cgroup when the load starts, so that its first freeze is a freeze alone)
  :40  a legitimate move of node01's address, in turn: a hard cut of node01's link, a drain (as the role's
       drain does it: a moment of FAULT, then the lasting value), a failing health check; undone after 4 s

Every address change on every member is recorded as it happens (`ip monitor` in each member's network
namespace, outside the members' PID namespaces, so that a freeze does not stop it). Counted: transitions
(a member other than the holder takes an address) that no cut, drain, check or freeze of the holder
explains (spurious, with the fault running at the time), time with no holder and with two holders (a cut
member is off the wire and does not count), client silences per event, how fast a deleted address came
back. A frozen holder that loses its addresses is a legitimate failover, counted apart.

Exit status 1 when there was a spurious transition, or two holders at once other than a frozen holder (its
kernel still has the address) and the handover of a cut, drain or check. A reload flap (keepalived's own answer
to a deleted address: it announces priority 0 and takes the address back, a backup sometimes holding it for a
millisecond in between) is counted apart, unless two members held the address at once.
Everything stops by itself (load and probes have deadlines) and the lab is taken down at the end, after a
failure or Ctrl-C too.
"""

import argparse
import ipaddress
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from tools import dataplane
from tools.paths import ROOT, WORK, ensure_importable
from tools.playbook import run_playbook
from tools.progress import detail, fail, step
from tools.table import table

PLAYBOOK = ROOT / "tools" / "bench_role.yml"
MEMBERS = ["node01", "node02", "node03"]
ADDRESSES = {"192.168.100.100": "node01", "fd00:100::100": "node02"}  # address -> first choice
NAMES = [f"vip{i}" for i in range(len(ADDRESSES))]
UNHEALTHY = "/run/fsip-soak-unhealthy"
PROBE_MS = 5
HOG_PRIORITY = 50
# The client's probes and the address monitors run realtime above the hog: they stand for other machines
# (a client, an observer) that a hog inside the members would not slow down.
WATCH_PRIORITY = 70
GRACE = 2.0  # seconds after an event's end during which its moves still count as its own (+ 4 adverts)
LEGIT = ("cut", "drain", "check")
MONITOR = re.compile(r"^\[(?P<ts>[^\]]+)\]\s+(?P<deleted>Deleted\s+)?\d+:\s+\S+\s+inet6?\s+(?P<addr>[0-9a-fA-F:.]+)/")


def role_vars(profile, overrides):
    check = {"name": "health", "type": "script", "script": f"/usr/bin/test ! -e {UNHEALTHY}",
             "interval": 1, "fall": 2, "rise": 1}
    addresses = [{"name": name, "address": address, "preferred": [first], "track": ["health"]}
                 for name, (address, first) in zip(NAMES, ADDRESSES.items())]
    return {"keepalived_vip_interface": dataplane.LAB_INTERFACE, "keepalived_vip_checks": [check],
            "keepalived_vip_addresses": addresses, "keepalived_vip_timer_profile": profile, **overrides}


# -- analysis (pure: tests/tools/test_soak.py) -------------------------------------------------------

def parse_monitor(lines, member, addresses):
    """`ip -ts -o monitor address` lines -> [(time, member, address, added)] for the given addresses."""
    wanted = {str(ipaddress.ip_address(a)) for a in addresses}
    out = []
    for line in lines:
        match = MONITOR.match(line)
        if not match:
            continue
        address = str(ipaddress.ip_address(match["addr"]))
        if address not in wanted:
            continue
        stamp = time.mktime(time.strptime(match["ts"].split(".")[0], "%Y-%m-%dT%H:%M:%S"))
        stamp += float("0." + match["ts"].split(".")[1]) if "." in match["ts"] else 0.0
        out.append((stamp, member, address, not match["deleted"]))
    return out


@dataclass
class Event:
    kind: str            # cut, drain, check, freeze, rt, reload
    member: str          # where it happened ("all" for rt bursts on every core)
    start: float         # wall clock
    end: float           # wall clock, when it was undone (or ended)
    holder_of: list = field(default_factory=list)  # addresses the member held when it started
    detail: dict = field(default_factory=dict)


def _window(events, t, address, grace=GRACE):
    """The event that explains a change of `address` at time t: ('legit'|'freeze-holder'|'fault', event)."""
    best = (None, None)
    for event in events:
        if not (event.start <= t <= event.end + grace):
            continue
        if event.kind in LEGIT and address in event.holder_of:
            return "legit", event
        if event.kind == "freeze" and address in event.holder_of:
            best = ("freeze-holder", event)
        elif event.kind == "reload" and address in event.holder_of and best[0] != "freeze-holder":
            best = ("reload", event)
        elif best[0] is None:
            best = ("fault", event)
    return best


def _off_wire(events, member, t):
    return any(e.kind == "cut" and e.member == member and e.start <= t < e.end for e in events)


def timeline(changes, initial, events, start, end, grace=GRACE):
    """Walk the address changes in order. Returns per address: transitions [(t, from, to, class, event kind)],
    no-holder and double-holder intervals [(t0, t1, class)]."""
    out = {}
    for address, first in initial.items():
        held = set(first)
        sole = next(iter(held)) if len(held) == 1 else None
        transitions, empty, double = [], [], []
        state_since, last_state = start, None

        def on_wire(t):
            return {m for m in held if not _off_wire(events, m, t)}

        def state(t):
            n = len(on_wire(t))
            return "none" if n == 0 else "double" if n > 1 else "one"

        # cut/restore instants change who is on the wire: evaluate there too
        instants = sorted([(c[0], c) for c in changes if c[2] == address]
                          + [(e.start, None) for e in events if e.kind == "cut"]
                          + [(e.end, None) for e in events if e.kind == "cut"])
        last_state = state(start)
        for t, change in instants:
            if t < start or t > end:
                continue
            if change is not None:
                _t, member, _a, added = change
                if added and member not in held:
                    if sole is not None and member != sole:
                        kind, event = _window(events, t, address, grace)
                        transitions.append((t, sole, member, kind or "spurious",
                                            event.kind if event else "none"))
                    elif sole is None and not on_wire(t):
                        kind, event = _window(events, t, address, grace)
                        transitions.append((t, None, member, kind or "spurious", event.kind if event else "none"))
                    held.add(member)
                elif not added:
                    held.discard(member)
                if len(held) == 1:
                    sole = next(iter(held))
            now = state(t)
            if now != last_state:
                if last_state in ("none", "double"):
                    kind, event = _window(events, state_since, address, grace)
                    (empty if last_state == "none" else double).append(
                        (state_since, t, kind or "spurious", event.kind if event else "none"))
                state_since, last_state = t, now
        if last_state in ("none", "double"):
            kind, event = _window(events, state_since, address, grace)
            (empty if last_state == "none" else double).append((state_since, end, kind or "spurious",
                                                                event.kind if event else "none"))
        out[address] = {"transitions": transitions, "no_holder": empty, "double_holder": double}
    return out


def reload_recovery(changes, events):
    """For each reload (address deleted on its holder): seconds until that member had it again (None: never)."""
    out = []
    for event in events:
        if event.kind != "reload":
            continue
        for address in event.holder_of:
            back = [c[0] for c in changes if c[1] == event.member and c[2] == address and c[3]
                    and c[0] >= event.start]
            gone = [c[0] for c in changes if c[1] == event.member and c[2] == address and not c[3]
                    and c[0] >= event.start - 0.5]
            if gone:
                out.append({"address": address, "member": event.member,
                            "back_ms": round((back[0] - gone[0]) * 1000, 1) if back else None})
    return out


def losses_by_event(gaps, events, address, grace=GRACE):
    """Client silences (probe gaps) that began during an event: {kind: [ms, ...]} (the longest per event)."""
    out = {}
    for event in events:
        if event.kind in LEGIT + ("reload",) and address not in event.holder_of:
            continue
        inside = [ms for t, ms in gaps if event.start - 0.05 <= t <= event.end + grace]
        out.setdefault(event.kind, []).append(max(inside) if inside else 0.0)
    return out


def percentile(values, q):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return values[min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))]  # nearest rank


def summarise(result):
    """The counts that decide pass/fail, and the figures printed."""
    transitions = [t for a in result["timeline"].values() for t in a["transitions"]]
    doubles = [d for a in result["timeline"].values() for d in a["double_holder"]]

    def moves(*classes):  # a transition is (time, from, to, class, event kind)
        return [item for item in transitions if item[3] in classes]

    def overlaps(*classes):  # a double-holder interval is (start, end, class, event kind)
        return [item for item in doubles if item[2] in classes]

    def seconds(items):
        return round(sum(d[1] - d[0] for d in items), 3)

    spurious = moves("spurious", "fault")
    double = overlaps("spurious", "fault", "reload")
    empty = [d for a in result["timeline"].values() for d in a["no_holder"]]
    return {
        "spurious_transitions": len(spurious),
        "spurious_during": sorted({t[4] for t in spurious}),
        "double_holder": len(double),
        "double_holder_s": seconds(double),
        "freeze_failovers": len(moves("freeze-holder")),
        "double_holder_freeze_s": seconds(overlaps("freeze-holder")),
        "reload_flaps": len(moves("reload")),
        "double_holder_reload": len(overlaps("reload")),
        "double_holder_reload_s": seconds(overlaps("reload")),
        "double_holder_legit_s": seconds(overlaps("legit")),
        "legit_transitions": len(moves("legit")),
        "no_holder_s": round(sum(d[1] - d[0] for d in empty), 3),
        "no_holder_outside_events_s": round(sum(d[1] - d[0] for d in empty if d[2] == "spurious"), 3),
    }


def advert_int(profile, overrides):
    """The advert interval a soak runs with: the override, else the role's profile of that name."""
    import yaml

    if "keepalived_vip_advert_int" in overrides:
        return float(overrides["keepalived_vip_advert_int"])
    defaults = yaml.safe_load((ROOT / "roles/keepalived_vip/defaults/main.yml").read_text())
    return float(defaults["keepalived_vip_timer_profiles"][profile]["advert_int"])


# -- the run ------------------------------------------------------------------------------------------

class Soak:
    def __init__(self, lab, minutes, seed, work):
        self.lab, self.minutes, self.work = lab, minutes, work
        self.random = random.Random(seed)
        self.events, self.background = [], []
        self.drain_next = 0

    def holders(self):
        return dataplane.holders(self.lab, list(ADDRESSES))

    def spawn(self, argv, tag):
        log = open(self.work / f"{tag}.log", "w")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.background.append((proc, log, tag))
        return proc

    def start_background(self, seconds):
        from testbed.lab import faults

        for name in MEMBERS:
            member = self.lab.member(name)
            self.spawn(faults.in_member_net(member, ["chrt", "-f", str(WATCH_PRIORITY), "timeout", str(seconds),
                                                     "ip", "-ts", "-o", "monitor",
                                                     "address", "dev", dataplane.LAB_INTERFACE]), f"monitor-{name}")
        time.sleep(0.5)
        self.probes = {a: self.lab.start_probe(a, tag=f"soak{i}", max_seconds=seconds, interval_ms=PROBE_MS,
                                               gap_ms=4 * PROBE_MS, priority=WATCH_PRIORITY)
                       for i, a in enumerate(ADDRESSES)}
        for name in MEMBERS:  # every core busy: 3 CPU workers on this machine's cores, one in each member
            self.spawn(faults.in_member(self.lab.member(name), ["stress-ng", "--cpu", "1", "--timeout", f"{seconds}s",
                                                                "--quiet"]), f"stress-{name}")
        targets = [m.ipv4 for m in self.lab.members] + [m.ipv6 for m in self.lab.members] + list(ADDRESSES)
        for i, target in enumerate(targets):  # 500 pings/s of 1000 bytes to each, from the lab host's side
            self.spawn(["ip", "netns", "exec", self.lab.netns, "ping", "-q", "-i", "0.002", "-s", "1000",
                        "-w", str(seconds), target], f"flood-{i}")

    def stop_background(self):
        for proc, log, _tag in self.background:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait()
            log.close()

    def _event(self, kind, member, act, undo=None, hold=0.0, **detail):
        held = [a for a, members in self.holders().items() if member in members]
        start = time.time()
        act()
        if hold:
            time.sleep(hold)
        if undo:
            undo()
        event = Event(kind, member, start, time.time(), held, detail)
        self.events.append(event)
        return event

    def reload(self):
        from testbed.lab import faults

        for address, members in self.holders().items():
            for name in members:
                member = self.lab.member(name)
                self._event("reload", name, lambda: subprocess.run(
                    faults.in_member_net(member, ["ip", "addr", "del", address, "dev", dataplane.LAB_INTERFACE]),
                    capture_output=True, check=False))
                self.events[-1].holder_of = [address]

    def rt(self):
        from testbed.lab import faults

        ms = self.random.randint(200, 500)
        name = self.random.choice(MEMBERS)
        self._event("rt", name, lambda: faults.rt_burst(self.lab.member(name), ms, HOG_PRIORITY), ms=ms)

    def freeze(self):
        from testbed.lab import faults

        name = self.random.choice(MEMBERS)
        seconds = round(self.random.uniform(1.0, 2.0), 2)
        self._event("freeze", name, lambda: faults.freeze(self.lab.member(name), self.lab.name, seconds),
                    seconds=seconds)

    def legit(self, index):
        kind = LEGIT[index % len(LEGIT)]
        node = self.lab.member("node01")
        acts = {"cut": (lambda: self.lab.cut_link("node01"), lambda: self.lab.restore_link("node01")),
                "drain": (lambda: node.exec(dataplane.handover([dataplane.DRAIN], "drain", 1, NAMES)),
                          lambda: node.exec(f"echo 0 > {dataplane.DRAIN}")),
                "check": (lambda: node.exec(["touch", UNHEALTHY]), lambda: node.exec(["rm", "-f", UNHEALTHY]))}
        act, undo = acts[kind]
        self._event(kind, "node01", act, undo, hold=4.0)

    def run(self):
        """The schedule, minute by minute; returns the wall-clock start and end."""
        plan = [(0, self.reload), (10, self.rt), (20, self.freeze), (30, self.rt),
                (40, None), (50, self.rt)]
        start = time.time()
        legit_index = 0
        for minute in range(self.minutes):
            for second, action in plan:
                due = start + minute * 60 + second
                time.sleep(max(0.0, due - time.time()))
                if action is None:
                    self.legit(legit_index)
                    legit_index += 1
                else:
                    action()
            step(f"soak: minute {minute + 1}/{self.minutes} done; holders {self.holders()}")
        time.sleep(max(0.0, start + self.minutes * 60 - time.time()))
        return start, time.time()


def keepalived_cpu(lab):
    """{member: {pid: CPU seconds used so far}} of its keepalived processes."""
    out = {}
    for name in lab.names:
        text = lab.member(name).exec("for pid in $(pgrep keepalived); do cat /proc/$pid/stat; done 2>/dev/null",
                                     check=False).stdout
        out[name] = {}
        for line in text.splitlines():
            fields = line.rsplit(")", 1)[-1].split()
            if len(fields) > 13:
                out[name][int(line.split()[0])] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def cpu_percent(before, after, seconds):
    """{member: % of a core} that keepalived used between two keepalived_cpu() readings. A process started in
    between counts from its start (a reload with a realtime profile may restart the VRRP process); what one that
    ended in between used is not known and left out."""
    return {m: round(sum(s - before.get(m, {}).get(pid, 0.0) for pid, s in procs.items()) / seconds * 100, 2)
            for m, procs in after.items()}


def soak(profile="fastest", minutes=10, overrides=None, name="soak", seed=17, keep=False):
    """Run one soak; returns the result dict (figures, counts, raw events)."""
    ensure_importable()
    from testbed.lab import Lab, faults

    work = WORK / f"soak-{name}"
    work.mkdir(parents=True, exist_ok=True)
    lab = Lab(name, members=len(MEMBERS), log=detail)
    runner = None
    try:
        lab.down()
        step(f"soak: lab {name} up ({len(MEMBERS)} members)")
        lab.up()
        extra = role_vars(profile, overrides or {})
        step(f"soak: the role on profile {profile} {json.dumps(overrides or {})}")
        run = run_playbook(lab.inventory, work / "converge.log", extra_vars=extra, playbook=PLAYBOOK)
        if run.rc != 0:
            raise RuntimeError(f"ansible-playbook exited with {run.rc}; see {work / 'converge.log'}")
        grace = GRACE + 4 * advert_int(profile, overrides or {})
        wanted = dict(ADDRESSES)
        ok, held = dataplane.settled(lab, wanted, timeout=60)
        if not ok:
            raise RuntimeError(f"the addresses are not on their first choices after the converge: {held}")
        runner = Soak(lab, minutes, seed, work)
        seconds = minutes * 60 + 60
        step(f"soak: {minutes} min under load (stress-ng in every member, ping flood, RT bursts, freezes, "
             "reloads, a legitimate move each minute)")
        runner.start_background(seconds)
        for member in lab.members:     # into their freezer cgroups now: a freeze is then a freeze alone
            faults.attach(member, lab.name)
        cpu_before = keepalived_cpu(lab)
        time.sleep(2)
        initial = {a: set(m) for a, m in runner.holders().items()}
        start, end = runner.run()
        cpu = cpu_percent(cpu_before, keepalived_cpu(lab), end - start)
        probes = {a: p.stop() for a, p in runner.probes.items()}
        runner.stop_background()
        changes = []
        for member in MEMBERS:
            changes += parse_monitor((work / f"monitor-{member}.log").read_text(errors="replace").splitlines(),
                                     member, ADDRESSES)
        changes.sort()
        result = {"profile": profile, "overrides": overrides or {}, "minutes": minutes, "start": start, "end": end,
                  "events": [e.__dict__ for e in runner.events], "changes": changes,
                  "timeline": timeline(changes, initial, runner.events, start, end, grace),
                  "reload_recovery": reload_recovery(changes, runner.events),
                  "losses": {a: losses_by_event(p.get("gaps", []), runner.events, a, grace)
                             for a, p in probes.items()},
                  "probes": {a: {k: v for k, v in p.items() if k != "gaps"} for a, p in probes.items()},
                  "keepalived_cpu_percent": cpu}
        result["summary"] = summarise(result)
        return result
    finally:
        if runner is not None:
            runner.stop_background()
        if not keep:
            step(f"soak: taking lab {name} down")
            lab.down()


def report(result):
    s = result["summary"]
    lines = [f"Soak: profile {result['profile']} {json.dumps(result['overrides'])}, {result['minutes']} min under "
             "load (stress-ng on every core, ping flood, RT bursts, freezes, network-config reloads)"]
    rows = [["spurious transitions", s["spurious_transitions"], ", ".join(s["spurious_during"]) or "-"],
            ["double holder (not a frozen holder, not a move's handover)", s["double_holder"],
             f"{s['double_holder_s']} s"],
            ["failovers from a frozen holder (legitimate)", s["freeze_failovers"],
             f"two holders {s['double_holder_freeze_s']} s"],
            ["reload flaps: a backup took a deleted address for a moment", s["reload_flaps"],
             f"with two holders: {s['double_holder_reload']}, {s['double_holder_reload_s']} s"],
            ["legitimate moves (cut, drain, check and back)", s["legit_transitions"],
             f"two holders {s['double_holder_legit_s']} s"],
            ["time with no holder", f"{s['no_holder_s']} s", f"outside events {s['no_holder_outside_events_s']} s"]]
    lines.append(table(["count", "value", "note"], rows))
    rows = []
    for address, kinds in result["losses"].items():
        for kind, values in sorted(kinds.items()):
            rows.append([address, kind, len(values), percentile(values, 50), percentile(values, 99), max(values)])
    lines += ["", "Client silence per event (ms; probe every 5 ms; silences under 20 ms count as 0)",
              table(["address", "event", "events", "p50", "p99", "max"], rows)]
    back = [r["back_ms"] for r in result["reload_recovery"]]
    lines += ["", f"Network-config reloads: {len(back)} address deletions on the holder; back after (ms): "
              f"p50 {percentile(back, 50)}, max {max((b for b in back if b is not None), default=None)}, "
              f"never back {sum(1 for b in back if b is None)}"]
    lines.append("keepalived CPU per member (% of one core): " + ", ".join(
        f"{m} {v}" for m, v in result["keepalived_cpu_percent"].items()))
    return "\n".join(lines)


def _stop(signum, frame):
    for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _setting(text):
    key, equals, value = text.partition("=")
    if not key.startswith("keepalived_vip_") or not equals:
        raise argparse.ArgumentTypeError(f"--set {text!r}: expected keepalived_vip_NAME=VALUE")
    return key, json.loads(value) if value[:1] in "-0123456789tfn[{\"" else value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=int(os.environ.get("SOAK_MINUTES", "10")),
                        help="length (default 10, or SOAK_MINUTES)")
    parser.add_argument("--profile", default=os.environ.get("SOAK_PROFILE", "fastest"))
    parser.add_argument("--set", type=_setting, action="append", default=[], metavar="keepalived_vip_NAME=VALUE",
                        help="a role setting over the profile (repeatable), e.g. keepalived_vip_rt_priority=0")
    parser.add_argument("--name", default=os.environ.get("FSIP_SOAK_LAB", "soak"), help="lab name (default soak)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        fail("the soak needs root (systemd-nspawn lab)")
        return 2
    if not 1 <= args.minutes <= 120:
        fail(f"--minutes {args.minutes}: between 1 and 120")
        return 2
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        result = soak(args.profile, args.minutes, dict(args.set), args.name, args.seed)
    except KeyboardInterrupt as stop:
        fail(f"interrupted ({stop or 'SIGINT'}); lab taken down")
        return 130
    except Exception as err:  # noqa: BLE001 - one readable line, non-zero exit
        fail(str(err))
        return 1
    out = args.json or str(WORK / f"soak-{args.name}.json")
    with open(out, "w") as handle:
        json.dump(result, handle, indent=1, default=list)
    print()
    print(report(result))
    print()
    step(f"Saved {out}")
    s = result["summary"]
    if s["spurious_transitions"] or s["double_holder"]:
        fail(f"{s['spurious_transitions']} spurious transition(s), {s['double_holder']} double holder(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
