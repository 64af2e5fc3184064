"""The demo's proof that the two halves are one system: the cloud decides which member may carry a shared IP,
and the lab bridge (port security, testbed/lab/portsec.py) enforces it.

The standby of the first address is unbound in the cloud (failover.shared_ip.binding state=absent), then the
holder fails: the standby takes the address in keepalived and announces it, but its announcements are dropped
at its port and the client gets no answer. Bound again (state=present), the address answers from the standby
within its next announcement. The holder's restore is the caller's (as in today's failover).
"""

import ipaddress
import time

from tools import dataplane
from tools.cloud import DEMO_LOGIN
from tools.paths import ROOT
from tools.playbook import cloud_env, run_playbook
from tools.progress import block, step
from tools.table import table

BINDING_PLAYBOOK = ROOT / "tools" / "demo_binding.yml"
# How long the rebound standby may take to answer: its next announcement comes at the latest with
# keepalived's periodic refresh (vrrp_garp_master_refresh, 30 s in the role's defaults).
REBIND_TIMEOUT = 45
QUIET_SECONDS = 3


def bind(sim, workdir, name, server, state):
    """Run tools/demo_binding.yml: the binding module with state=present|absent."""
    run = run_playbook("localhost,", workdir / f"binding-{server}-{state}.log",
                       extra_vars={"shared_ip_identity_url": sim.identity_url, "binding_name": name,
                                   "binding_server": server, "binding_state": state},
                       env=cloud_env(DEMO_LOGIN), playbook=BINDING_PLAYBOOK)
    if run.rc != 0:
        block(run.tail())
        raise RuntimeError(f"binding {server} {state} on {name} failed ({run.rc}); full log: {run.log}")
    return run


def link_table(rows):
    """The cloud's verdict per shared IP and member, and what the bridge does with it."""
    def word(value, no="no"):
        return "-" if value is None else ("yes" if value else no)

    return table(["name", "address", "member", "held by its port", "associated", "cloud lets it carry",
                  "bridge lets it through"],
                 [[r["name"], r["address"], r["member"], word(r["held"]), word(r["associated"]),
                   word(r["allowed"], "NO"), word(r["bridge"], "NO")] for r in rows])


def link_problems(rows):
    return [f"{r['name']} on {r['member']}: the cloud says {'yes' if r['allowed'] else 'no'}, the bridge "
            f"{'lets it through' if r['bridge'] else 'drops it'}" for r in rows
            if r["bridge"] is not None and r["bridge"] != r["allowed"]]


def _announced(seen, address, mac, since):
    address = str(ipaddress.ip_address(address))
    return [a for a in seen if a["address"] == address and a["mac"] == mac and a["time"] >= since]


def _kinds(seen):
    return "/".join(sorted({"gratuitous ARP" if a["kind"] == "garp" else "unsolicited NA" for a in seen})) or "-"


def unbound_failover(lab, sim, want, workdir, region, network):
    """Unbind the standby of `want`, cut its holder, show that nobody hears the standby, bind it again and show
    the address answering from it. Leaves the holder cut off; returns the problems seen."""
    problems = []
    victim, address = want.holder(), str(ipaddress.ip_address(want.address))
    standby = want.holder(down=[victim])
    mac = lab.mac_of(standby)

    step(f"Unbinding {standby} from {want.name} in the cloud (failover.shared_ip.binding state=absent)")
    bind(sim, workdir, want.name, standby, "absent")
    if not dataplane.wait_for_bridge(lab, standby, address, present=False):
        problems.append(f"{want.name}: the bridge still lets {standby} send it after the unbinding")
    rows = dataplane.cloud_link(lab, sim.control("GET", "state"), [want], region, network)
    step(f"The cloud no longer lets {standby} carry {want.name}; the bridge follows:")
    block(link_table(rows))
    problems += link_problems(rows)

    before = lab.drops()[standby]
    on_port = lab.start_capture(tag="unbound-port", member=standby, max_seconds=120)
    through = lab.start_capture(tag="unbound-bridge", max_seconds=120)
    try:
        step(f"Hard failure: cutting {victim} off the network; {standby} is next for {want.name} in keepalived")
        acted_at = time.time()
        lab.cut_link(victim)
        took, held = dataplane.settled(lab, {address: standby}, skip=[victim], timeout=30)
        took_s = time.time() - acted_at
        probe = lab.client.probe(address, seconds=QUIET_SECONDS)
    finally:
        sent, passed = on_port.stop(), through.stop()
    after = lab.drops()[standby]
    dropped = {kind: after[kind] - before[kind] for kind in after}
    sent, passed = _announced(sent, address, mac, acted_at), _announced(passed, address, mac, acted_at)
    if not took:
        problems.append(f"{want.name}: {standby} did not take it in keepalived after {victim} was cut: {held}")
    step(f"{standby} took {want.name} in keepalived {took_s:.1f}s after the cut and announced it; "
         f"its port may not send it:")
    block(table([f"{want.name} ({address}) from {standby}", "packets"], [
        [f"announcements sent on {standby}'s port", f"{len(sent)} {_kinds(sent)}"],
        ["announcements that passed the bridge", str(len(passed))],
        [f"dropped at {standby}'s port (bridge counters)",
         ", ".join(f"{kind} +{n}" for kind, n in dropped.items())]]))
    resolves = lab.holder_of(address)
    step(f"What the client saw, pinging {want.name} every 10 ms for {QUIET_SECONDS} s after the takeover:")
    block(table(["name", "address", "answers", "client resolves it to"],
                [[want.name, address, f"{probe['received']} of {probe['sent']}",
                  f"{resolves} (cut off)" if resolves == victim else (resolves or "nobody")]]))
    if probe["received"]:
        problems.append(f"{want.name}: the client got {probe['received']} answers while {standby} was unbound")
    if passed:
        problems.append(f"{want.name}: {len(passed)} announcements from the unbound {standby} passed the bridge")
    if not sent or not sum(dropped.values()):
        problems.append(f"{want.name}: expected {standby} to announce it and the bridge to drop that "
                        f"(sent {len(sent)}, dropped {dropped})")

    step(f"Binding {standby} to {want.name} again (failover.shared_ip.binding state=present)")
    background = lab.start_probe(address, tag="rebind", max_seconds=REBIND_TIMEOUT + 60)
    capture = lab.start_capture(tag="rebind", max_seconds=REBIND_TIMEOUT + 90)
    try:
        started = time.time()
        bind(sim, workdir, want.name, standby, "present")
        returned = time.time()
        answered = dataplane.wait_until(lambda: lab.holder_of(address) == standby, REBIND_TIMEOUT)
        time.sleep(1.0)
    finally:
        result, seen = background.stop(), capture.stop()
    opened = next((c["time"] for c in lab.port_security_log() if c.get("allowed") and c["time"] >= started
                   and address in c["allowed"][standby]["v4"] + c["allowed"][standby]["v6"]), None)
    applied_ms = next((c["applied_ms"] for c in lab.port_security_log() if c.get("time") == opened), None)
    announced = _announced(seen, address, mac, opened or started)
    first = result.get("first_reply_at")

    def since(moment):
        return "-" if moment is None or opened is None else f"{moment - opened:+.2f} s"

    step(f"{want.name} answers from {standby} again:" if answered and result["resumed"] else
         f"{want.name} does NOT answer from {standby}:")
    block(table(["event", "when (from the bridge opening)"], [
        ["binding playbook started", since(started)],
        [f"bridge lets {standby} send {want.name} (watcher: read and applied in {applied_ms} ms)",
         since(opened)],
        ["binding playbook returned", since(returned)],
        [f"next announcement from {standby} that passed",
         since(announced[0]["time"]) if announced else "- (none yet: the client asked first)" if first else "-"],
        ["client's first answer", since(first)],
        ["client resolves it to", lab.holder_of(address) or "nobody"]]))
    if opened is None:
        problems.append(f"{want.name}: the bridge never let {standby} send it after the binding")
    if not (answered and result["resumed"]):
        problems.append(f"{want.name}: no answer from {standby} within {REBIND_TIMEOUT}s of binding it again "
                        f"(probe {result})")
    return problems
