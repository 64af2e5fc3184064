"""`make demo`: the collection's main job end to end, on the simulator and the local lab.

As root: starts the cloud simulator, boots a 3-member systemd-nspawn lab whose members play the
simulator's servers node01..node03, runs playbooks/site.yml against both, shows who holds which
shared IP, cuts one member off the network, shows the addresses moving, the gratuitous ARP that
announced them and the interruption a client saw, restores the member. Then the link between the
halves: the lab bridge lets each member send only what the simulator allows its port, so a standby unbound
in the cloud takes the address in keepalived and nobody hears it until it is bound again. Exits 0 only
when every address ended on its preferred member and stayed reachable. Without root: the control-plane half
(simulator + modules) alone. Always cleans up: simulator stopped, lab down.
"""

import argparse
import os
import shutil
import signal
import sys
import traceback
from contextlib import ExitStack
from pathlib import Path

from tools import cluster, demo_unbound
from tools.cloud import DEMO_LOGIN, CloudView, simulator
from tools.paths import ROOT, WORK, ensure_importable
from tools.playbook import cloud_env, run_playbook
from tools.progress import block, detail, fail, step
from tools.table import table

DEMO_DIR = WORK / "demo"
LAB_NAME = "demo"
MEMBERS = 3
# examples/inventory/group_vars/all.yml: the check web_health fails on a member while this file exists there.
CHECK = "web_health"
CHECK_FLAG = "/run/web-down"


class Interrupted(Exception):
    pass


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _on_signal(signum, frame):
    """First stop signal: unwind (cleanup runs on the way out); later ones must not cut the cleanup short."""
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(signal.Signals(signum).name)


def lab_prerequisites():
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "not running as root (the lab's containers, bridge and packet capture need root)"
    missing = [tool for tool in ("systemd-nspawn", "debootstrap", "tcpdump", "ip") if not shutil.which(tool)]
    if missing:
        return "missing tools: " + ", ".join(missing) + " (`make deps` installs them as root)"
    return None


def _task_printer():
    """One progress line per task, without the role's long prefix or repeats (a handler runs per host)."""
    last = []

    def show(name):
        name = name.replace("failover.shared_ip.keepalived_vip : ", "role: ")
        if not last or last[-1] != name:
            detail("· " + name)
            last[:] = [name]
    return show


def converge(inventory, sim, log, extra_vars=None, args=()):
    """Run playbooks/site.yml with the example cluster (examples/inventory/group_vars/all.yml)."""
    step(f"Running playbooks/site.yml with the cluster of {cluster.GROUP_VARS.relative_to(ROOT)} (log: {log})")
    run = run_playbook(inventory, log, extra_vars={"shared_ip_identity_url": sim.identity_url, **(extra_vars or {})},
                       env=cloud_env(DEMO_LOGIN), on_task=_task_printer(), args=("-e", f"@{cluster.GROUP_VARS}", *args))
    if run.rc != 0:
        block(run.tail())
        raise RuntimeError(f"ansible-playbook exited with {run.rc}; full log: {log}")
    step(f"Playbook done in {run.seconds:.1f}s ({run.changed} tasks reported a change)")
    return run


def show_cloud(sim):
    """The shared IPs as the cloud sees them, read independently of the modules."""
    shared = CloudView(sim.identity_url).shared_ips(cluster.network_name())
    rows = [[ip["name"] or "-", ip["address"],
             " ".join(m["server"] + ("" if m["associated"] else "(not associated)") for m in ip["members"])]
            for ip in shared]
    step("The cloud now lets these members carry the shared IPs:")
    block(table(["name", "address", "members (shared and associated)"], rows))
    return shared


def check_cloud(shared, members):
    """Every wanted address exists, shared and associated on every member."""
    problems = []
    by_name = {ip["name"]: ip for ip in shared}
    for want in cluster.wanted_shared_ips():
        ip = by_name.get(want.name)
        if ip is None:
            problems.append(f"{want.name}: not in the cloud")
            continue
        servers = sorted(m["server"] for m in ip["members"] if m["associated"])
        if servers != sorted(members):
            problems.append(f"{want.name}: associated with {servers}, expected {sorted(members)}")
    return problems


def _lab(cleanup, keep, name, cloud):
    ensure_importable()
    from testbed.lab import Lab

    # The members play the simulator's servers node01..node03 (their ports' MACs and fixed addresses); the
    # bridge lets each one send only what the simulator allows its port (testbed/lab/portsec.py).
    lab = Lab(name, members=MEMBERS, log=detail, cloud=cloud, cloud_region=DEMO_LOGIN["region"],
              cloud_network=cluster.network_name())
    if not keep:
        cleanup.callback(_lab_down, lab)
    step(f"Booting the lab: {MEMBERS} members in systemd-nspawn on bridge {lab.bridge} "
         "(the first run builds the image: a few minutes)")
    lab.up()
    return lab


def _lab_down(lab):
    step(f"Taking the lab down ({lab.name})")
    lab.down()


def _holder_rows(wanted, held, client_view=None, note=None):
    rows = []
    for want in wanted:
        who = held.get(want.address) or []
        holder = ", ".join(who) if who else "nobody"
        row = [want.name, want.address, want.holder(), holder]
        if client_view is not None:
            row.append(client_view.get(want.address) or "-")
        rows.append(row)
    headers = ["name", "address", "preferred", "held by" + (f" ({note})" if note else "")]
    return table(headers + (["client reaches"] if client_view is not None else []), rows)


def _client_view(lab, addresses):
    return {a: lab.holder_of(a) for a in addresses}


def _moved_away(lab, move, wanted, moved_in, cause, note, skip=()):
    """After `cause` moved addresses away: the step "`moved_in` 1.2s" or, when they did not move as expected, that
    problem (returned in a list); then who holds each address and whom the client reaches, under `note`."""
    from tools import dataplane

    addresses = [w.address for w in wanted]
    held = dataplane.holders(lab, addresses, skip=skip)
    problems = []
    if move.seconds is None:
        problems.append(f"{cause}, the addresses did not move as expected: {held}")
    else:
        step(f"{moved_in} {move.seconds:.1f}s (as seen by polling the members):")
    block(_holder_rows(wanted, held, _client_view(lab, addresses), note=note))
    return problems


def _announcements(move, wanted, what):
    rows = []
    for want in wanted:
        seen = move.garps_for(want.address)
        by = sorted({a["member"] for a in seen})
        kinds = sorted({"gratuitous ARP" if a["kind"] == "garp" else "unsolicited NA" for a in seen})
        first = move.first_garp_ms(want.address)
        rows.append([want.name, want.address, ", ".join(by) or "-", f"{len(seen)} {'/'.join(kinds)}".strip(),
                     f"{first} ms" if first is not None else "-"])
    return table(["name", "address", "announced by", "packets", f"first one after {what}"], rows)


def _interruptions(move, wanted):
    rows = []
    for want in wanted:
        gap = move.interruption_ms[want.address]
        rows.append([want.name, want.address, f"{gap:.0f} ms" if gap is not None else "?",
                     "yes" if move.resumed[want.address] else "NO"])
    return table(["name", "address", "longest silence", "answering at the end"], rows)


def data_plane_demo(cleanup, sim, members, keep=False, lab_name=LAB_NAME):
    from tools import dataplane

    lab = _lab(cleanup, keep, lab_name, sim.url)
    converge(lab.inventory, sim, DEMO_DIR / "playbook.log",
             extra_vars={"keepalived_vip_interface": dataplane.LAB_INTERFACE})
    problems = check_cloud(show_cloud(sim), members)
    wanted = _resolve_addresses(sim, members)
    link = dataplane.cloud_link(lab, sim.control("GET", "state"), wanted, DEMO_LOGIN["region"], cluster.network_name())
    step("Which member the cloud lets carry each shared IP, why, and what the lab bridge lets through:")
    block(demo_unbound.link_table(link))
    problems += demo_unbound.link_problems(link)
    addresses = [w.address for w in wanted]
    preferred = {w.address: w.holder() for w in wanted}

    step("Waiting for keepalived to elect a holder for each address")
    ok, held = dataplane.settled(lab, preferred, timeout=60)
    for address in addresses:  # a few pings, so that the client has resolved each address once
        lab.client.probe(address, seconds=0.3)
    block(_holder_rows(wanted, held, _client_view(lab, addresses)))
    if not ok:
        return problems + ["after the playbook, not every address is held by its preferred member"]

    victim = wanted[0].holder()
    moving = [w for w in wanted if w.holder() == victim]
    during = {w.address: w.holder(down=[victim]) for w in wanted}
    step(f"Hard failure: cutting {victim} off the network (its link goes down, no goodbye); "
         f"{', '.join(w.name for w in moving)} must move")
    failure = dataplane.observe_move(lab, addresses, lambda: lab.cut_link(victim), during, skip=[victim],
                                     tag="demo-cut")
    problems += _moved_away(lab, failure, wanted, "Moved in", f"with {victim} cut off", f"{victim} cut off",
                            skip=[victim])
    step("Announcements on the wire (captured on the lab bridge):")
    block(_announcements(failure, moving, "the cut"))
    step("What a client pinging every address every 10 ms saw:")
    block(_interruptions(failure, wanted))
    problems += [f"{a}: the client lost it for good during the failure" for a in addresses
                 if not failure.resumed[a]]

    step(f"Restoring {victim}'s link: its addresses come back (preemption)")
    back = dataplane.observe_move(lab, addresses, lambda: lab.restore_link(victim), preferred, tag="demo-back")
    held = dataplane.holders(lab, addresses)
    reaches = _client_view(lab, addresses)
    if back.seconds is not None:
        step(f"Back in {back.seconds:.1f}s:")
    block(_holder_rows(wanted, held, reaches))
    step("Announcements on the wire:")
    block(_announcements(back, moving, "the restore"))
    step("What the client saw:")
    block(_interruptions(back, wanted))
    if back.seconds is None:
        problems.append(f"after {victim} came back, not every address is on its preferred member: {held}")
    problems += [f"{a}: the client lost it for good after the restore" for a in addresses if not back.resumed[a]]
    problems += [f"{a}: the client reaches {reaches[a]}, not {m}" for a, m in preferred.items() if reaches[a] != m]
    step("In short:")
    for want in moving:
        detail(f"{want.name} ({want.address}): {victim} -> {failure.moved_to[want.address] or '?'} -> "
               f"{back.moved_to[want.address] or '?'}; a client lost it for "
               f"{failure.interruption_ms[want.address]:.0f} ms when {victim} failed, "
               f"{back.interruption_ms[want.address]:.0f} ms when it came back")
    problems += failing_check(lab, wanted, preferred)
    if not lab.port_security()["enabled"]:
        return problems + ["the lab runs without port security: the unbound failover cannot be shown"]
    problems += demo_unbound.unbound_failover(lab, sim, wanted[0], DEMO_DIR, DEMO_LOGIN["region"],
                                              cluster.network_name())
    step(f"Restoring {victim}'s link again: its addresses come back")
    again = dataplane.observe_move(lab, addresses, lambda: lab.restore_link(victim), preferred, tag="demo-again")
    held = dataplane.holders(lab, addresses)
    reaches = _client_view(lab, addresses)
    step(f"Restored in {again.seconds:.1f}s:" if again.seconds is not None else "Not restored:")
    block(_holder_rows(wanted, held, reaches))
    if again.seconds is None:
        problems.append(f"after {victim} came back again, not every address is on its preferred member: {held}")
    problems += [f"{a}: the client reaches {reaches[a]}, not {m} at the end" for a, m in preferred.items()
                 if reaches[a] != m]
    return problems


def failing_check(lab, wanted, preferred):
    """The addresses that track the check move away from a member where it fails, the others stay; back when
    it passes again."""
    from tools import dataplane

    tracking = [w for w in wanted if CHECK in w.track]
    if not tracking:
        return [f"no shared IP of {cluster.GROUP_VARS.relative_to(ROOT)} tracks {CHECK}: no failing check to show"]
    addresses = [w.address for w in wanted]
    victim = tracking[0].holder()
    moving = [w for w in tracking if w.holder() == victim]
    during = {w.address: w.holder(down=[victim]) if w in moving else preferred[w.address] for w in wanted}
    step(f"Failing check: {CHECK} fails on {victim} (touch {CHECK_FLAG} there); "
         f"{', '.join(w.name for w in moving)} must move, the addresses that do not track it stay")
    move = dataplane.observe_move(lab, addresses, lambda: lab.member(victim).exec(["touch", CHECK_FLAG]), during,
                                  tag="demo-check")
    problems = _moved_away(lab, move, wanted, "With the check failing, moved in", f"with {CHECK} failing on {victim}",
                           f"{CHECK} failing on {victim}")
    step("What the client saw while the check failed:")
    block(_interruptions(move, wanted))
    step(f"{CHECK} passes again on {victim} (rm {CHECK_FLAG}): its addresses come back (preemption)")
    back = dataplane.observe_move(lab, addresses, lambda: lab.member(victim).exec(["rm", "-f", CHECK_FLAG]),
                                  preferred, tag="demo-check-back")
    held = dataplane.holders(lab, addresses)
    step(f"With the check passing, back in {back.seconds:.1f}s:" if back.seconds is not None
         else "With the check passing, not back:")
    block(_holder_rows(wanted, held, _client_view(lab, addresses)))
    if back.seconds is None:
        problems.append(f"with {CHECK} passing again on {victim}, not every address is on its preferred member: "
                        f"{held}")
    problems += [f"{a}: the client lost it for good when {CHECK} failed" for a in addresses
                 if not move.resumed[a]]
    return problems


def _resolve_addresses(sim, members):
    """The wanted shared IPs with the addresses the cloud gave them (group_vars may leave them out)."""
    by_name = {ip["name"]: ip["address"] for ip in CloudView(sim.identity_url).shared_ips(cluster.network_name())}
    wanted = cluster.wanted_shared_ips()
    for want in wanted:
        want.address = by_name.get(want.name, want.address)
    return cluster.plan_order(wanted, members)


def main(argv=None):
    global DEMO_DIR  # noqa: PLW0603 - one run, one place for its files
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--control-plane", action="store_true", help="run only the control-plane half")
    parser.add_argument("--workdir", type=Path, default=DEMO_DIR, help=f"logs and scratch files (default {DEMO_DIR})")
    parser.add_argument("--lab", default=LAB_NAME, help=f"name of the lab (default {LAB_NAME})")
    parser.add_argument("--keep", action="store_true",
                        help="leave the lab up at the end, to look around (`make demo-clean` removes it)")
    args = parser.parse_args(argv)
    DEMO_DIR = args.workdir.resolve()
    ensure_importable()
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_signal)
    members = [f"node{i:02d}" for i in range(1, MEMBERS + 1)]
    why_not = "asked for with --control-plane" if args.control_plane else lab_prerequisites()
    step("failover.shared_ip demo: %s" % ("control plane only (" + why_not + ")" if why_not
                                          else "cloud simulator + local lab + failover"))
    try:
        with ExitStack() as cleanup:
            sim = cleanup.enter_context(simulator(DEMO_DIR / "fakecloud.log"))
            step(f"Cloud simulator listening on {sim.url} (identity_url {sim.identity_url})")
            if why_not:
                converge(cluster.EXAMPLE_INVENTORY, sim, DEMO_DIR / "playbook.log", args=("--tags", "cloud"))
                problems = check_cloud(show_cloud(sim), members)
            else:
                problems = data_plane_demo(cleanup, sim, members, keep=args.keep, lab_name=args.lab)
            step("Cleaning up")
    except Interrupted as stop:
        fail(f"interrupted by {stop}; cleaned up")
        return 130
    except Exception as err:  # noqa: BLE001 - the demo reports any failure in one line and exits non-zero
        if os.environ.get("FSIP_DEBUG"):
            traceback.print_exc()
        fail(str(err))
        return 1
    if problems:
        for problem in problems:
            fail(problem)
        return 1
    if args.keep and not why_not:
        step(f"The lab is still up (--keep): inventory .lab/{args.lab}/inventory.yml; `make demo-clean` removes it")
    step("Demo OK" + (" (control plane only: run as root for the lab and the failover)" if why_not else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
