# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The binding module: one server joins or leaves an existing shared IP. What it reads, decides and does.

Rounds: read the address, its holders and my ports -> decide (pure, ``decide``) -> the base converges;
a write that lost a race with another host is read again and retried after a pause (RetryPolicy),
until the address holds what this server asked for or the attempts are spent.
"""

import time

from ansible_collections.failover.shared_ip.plugins.module_utils import _plan as plan
from ansible_collections.failover.shared_ip.plugins.module_utils import _rules as rules
from ansible_collections.failover.shared_ip.plugins.module_utils import _snapshot as read
from ansible_collections.failover.shared_ip.plugins.module_utils import _steps as steps_
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import (
    PlanError,
    check_name,
    check_uuid,
    labels,
    parse_ip,
    record_key,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._steps import StepsFailed
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import names_of, server_ports
from ansible_collections.failover.shared_ip.plugins.module_utils._retry import RetryPolicy

SETTLE_SECONDS = 0.5     # at least; twice the longest read-to-write round of this run when that is longer


def run(module):
    params = module.params
    check_name(params["name"])
    rounds = RetryPolicy.for_attempts(params["attempts"], option="attempts", base=0.05, cap=0.5).start()
    cloud = module.cloud
    me = read.resolve_servers_hinting(cloud, {params["server"]: read.read_server(cloud, params["server"])},
                                      [params["server"]], "server")[0]
    snap, found = locate(cloud, params, me)
    if found is None:
        if params["state"] == "absent":
            module.exit(None, None, [], attempts=1)
        option = "id" if params["id"] else "address" if params["address"] else "name"
        raise PlanError(option, params[option], "no such shared IP; create it with failover.shared_ip.address")
    run_ = Run(module, params, me, rounds)
    fresh = True
    while True:
        started = time.monotonic()
        snap = _binding_snapshot(cloud, snap, found["id"], me, fresh, leaving=params["state"] == "absent")
        fresh = False
        if snap is None:        # deleted meanwhile
            module.exit(run_.first, None, run_.taken, attempts=rounds.attempts)
        found = snap.address(found["id"])
        run_.round(snap, found, started)


class Run:
    """The rounds of one binding: what the first round saw, the steps taken, and what this run itself
    left my association as (where the cloud does not tell)."""

    def __init__(self, module, params, me, rounds):
        self.module = module
        self.params = params
        self.me = me
        self.rounds = rounds
        self.first = None
        self.taken = []
        self.own = None
        self.settled = False
        self.window = 0.0

    def round(self, snap, found, started):
        """One round (its read began at ``started``): decide, then exit (nothing to do, check mode) or write;
        returns to read again."""
        module, attempts = self.module, self.rounds.attempts
        before, steps = decide(snap, self.params, self.me, found, self.own)
        self.first = self.first if self.first is not None else before
        if not steps and self.taken and self.params["state"] == "absent" and not self.settled:
            # Another host's write that started before ours may still land and put our port back
            # (a PUT carries a whole list it read earlier): look once more after it had time to. Its
            # read-to-write round is about as long as ours, longer on a loaded machine: wait for twice ours.
            self.settled = True
            if self.rounds.pause(retry_after=max(SETTLE_SECONDS, 2 * self.window)):
                return
        if not steps:
            module.exit(self.first, before, self.taken, attempts=attempts)
        self.settled = False
        after, done = self._write(before, steps)
        if module.check_mode:
            module.exit(self.first, after, steps, attempts=attempts)
        self.window = max(self.window, time.monotonic() - started)
        self.taken += done
        _remember(self.me, found["id"], done)
        for step in done:
            if step.get("server_id") == self.me["id"] and step["action"] in ("associate", "disassociate"):
                self.own = step["action"] == "associate"
        # All done: read back at once (another host may have replaced the list meanwhile); a lost
        # race: after a pause from the policy.
        if not self.rounds.pause(retry_after=0 if len(done) == len(steps) else None):
            raise PlanError("attempts", self.params["attempts"], "the binding did not hold after %d rounds: other "
                            "runs kept changing the address; steps still needed: %s"
                            % (self.params["attempts"], "; ".join(steps_.describe(s) for s in steps)))

    def _write(self, before, steps):
        """(state after, steps done): a lost race is no failure, the next round reads again."""
        try:
            return self.module.converge(before, steps), steps
        except StepsFailed as exc:
            if not _lost_race(exc.failed):
                exc.done = self.taken + exc.done
                raise
            return exc.state, exc.done


def decide(snap, request, me, found, own=None):
    """(before, steps) for one server's binding. me: the server; found: the address (exists). Pure.

    own: whether this run itself left me associated (True) or disassociated (False), where the cloud
    does not tell (internal view hidden): a later round of the same run needs not undo it again.
    """
    before = snap.view(found)
    for member in before["members"]:
        if member["id"] == me["id"] and member["associated"] is None and own is not None:
            member["associated"] = own
    name = request.get("name") or (before["name"] if before["name"] and "," not in before["name"] else None)
    if request.get("state", "present") == "absent":
        return before, plan.plan_absent(before, snap.servers, only=me["id"], name=name)
    held = [m["port_id"] for m in before["members"] if m["id"] == me["id"]]
    port_id = held[0] if held else _joining_port(snap, me, found, before)
    return before, plan.plan_present(before, {me["id"]: port_id}, snap.servers,
                                     associate_ids={me["id"]} if request.get("associate", True) else (),
                                     name=name, label_ids={me["id"]}, keep_others=True)


def _joining_port(snap, me, found, before):
    network = snap.network
    mine = [p for p in snap.ports.values() if p.get("device_id") == me["id"]
            and p.get("network_id") == found["network_id"]]
    port_id = server_ports(network, mine, [me], option="server")[me["id"]]
    others = [snap.servers[m["id"]] for m in before["members"] if m["id"] in snap.servers]
    rules.check_zones(network, others + [me], option="server")
    rules.check_port_room(network, {me["id"]: port_id}, snap.ports, snap.addresses,
                          list(snap.servers.values()), option="server")
    return port_id


# ---------------------------------------------------------------- read

def locate(cloud, params, me):
    """The snapshot around the address a binding names (by id, address or name label), and the address."""
    snap = read.Snapshot()
    snap.add_servers([me])
    if params["id"]:
        snap.add_addresses([cloud.ip_address(check_uuid("id", params["id"]))])
    elif params["address"]:
        parse_ip("address", params["address"])
        snap.add_addresses(cloud.ip_addresses(address=params["address"], type="shared"))
    else:
        mine = labels(me).get(params["name"])
        if mine:
            snap.add_addresses([cloud.ip_address(mine)])
        if not snap.addresses:
            _search_by_name(cloud, snap, params["name"])
    read.read_details(cloud, snap, [a["id"] for a in snap.addresses])

    def find():
        return snap.identity().find(ident_id=params["id"], address=params["address"], name=params["name"])

    def read_more(_refusal):
        if not params["name"] or not snap.addresses:
            return False
        _network_addresses(cloud, snap, snap.addresses[0]["network_id"])
        return True

    found = read.refuse_fully(find, read_more)
    if found and params["name"] and params["state"] == "present" and params["name"] not in names_of(
            list(snap.servers.values()), found["id"]):
        _network_addresses(cloud, snap, found["network_id"])
        found = find()
    return snap, found


def _network_addresses(cloud, snap, network_id):
    """The network's shared IPs and one holder of each: where else a name may be."""
    snap.add_addresses(cloud.ip_addresses(network_id=network_id, type="shared"))
    read.read_holders(cloud, snap, snap.addresses)


def _search_by_name(cloud, snap, name):
    """The server carries no label yet: the tenant's shared IPs (never its fixed addresses) and one
    holder of each, whose labels tell which one ``name`` is. Only on this path: a member reads its own
    label."""
    probe = read.Snapshot()
    probe.add_servers(snap.servers.values())
    probe.add_addresses(cloud.ip_addresses(type="shared"))
    read.read_holders(cloud, probe, probe.addresses)
    snap.add_servers(probe.servers.values())
    snap.add_ports(probe.ports.values())
    snap.add_addresses(probe.identity().named(name))


def _binding_snapshot(cloud, old, address_id, me, fresh=False, leaving=False):
    """The address and its holders, and when I join, my side of its network. ``fresh``: ``old`` was just
    read (the lookup): only my side is added. Later rounds read the address and its holders again; servers
    already read are kept (me in step with our own writes, see _remember), except once I have left
    (``leaving``): then another host may label the last holder, or me, so both are read as they are now."""
    if fresh:
        snap, addr = old, old.address(address_id)
    else:
        addr = cloud.ip_address(address_id)
        if addr is None:
            return None
        snap = _next_round(old, addr)
    holders = [snap.holders.get(p) for p in addr["port_ids"]]
    out = leaving and not fresh and me["id"] not in holders
    if out and len(holders) == 1:
        snap.servers.pop(holders[0], None)      # read_details reads it again
    calls = []
    if not fresh:
        calls.append(("details", read.read_details, cloud, snap, [address_id]))
    if out:
        calls.append(("me", cloud.server, me["id"]))
    joining = not leaving and me["id"] not in holders
    known = snap.network is not None and snap.network.get("id") == addr["network_id"]
    if joining:
        calls += _joining_calls(cloud, addr["network_id"], me, known)
    found = read.together(calls)
    if "network" in found or not known:
        snap.network = found.get("network") or {"id": addr["network_id"]}
    snap.add_ports(found.get("mine") or [])
    snap.add_addresses(found.get("held") or [])
    if found.get("me"):
        me["metadata"] = found["me"].get("metadata") or {}     # kept in step from here on (_remember)
    return snap


def _joining_calls(cloud, network_id, me, known):
    """What joining reads besides the address: my ports, the network unless ``known`` (PublicNet's zone
    rule, the port limit) and what my port holds."""
    calls = [("mine", lambda: cloud.ports(network_id=network_id, device_id=me["id"]))]
    if not known:
        calls.append(("network", cloud.network, network_id))
    calls.append(("held", lambda: cloud.ip_addresses(network_id=network_id, device_id=me["id"], type="shared")))
    return calls


def _next_round(old, addr):
    snap = read.Snapshot()
    snap.servers = dict(old.servers)
    snap.holders = dict(old.holders)     # a port's device never changes
    snap.network = old.network
    snap.internal_view = old.internal_view
    snap.add_addresses([addr])
    return snap


def _lost_race(failed):
    """A write that lost a race with another host: worth reading again and retrying."""
    for step, error in failed:
        if step["action"] == "set_ports" and error.requires_disassociation:
            continue
        if step["action"] == "associate" and error.status == 404:
            continue
        return False
    return True


def _remember(me, address_id, done):
    """Labels and records are this server's own: keep the local copy of its metadata in step."""
    meta = me.setdefault("metadata", {})
    for step in done:
        if step.get("server_id") != me["id"]:
            continue
        if step["action"] == "label":
            meta[step["key"]] = address_id
        elif step["action"] == "unlabel":
            meta.pop(step["key"], None)
        elif step["action"] == "associate":
            meta[record_key(address_id)] = address_id
        elif step["action"] == "disassociate":
            meta.pop(record_key(address_id), None)
