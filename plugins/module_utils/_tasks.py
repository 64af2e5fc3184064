# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each cloud module does, from its options to exit_json: read step -> decide step -> apply
step, through the base in _module. One function per module; the module files only call them."""

import ipaddress

from ansible_collections.failover.shared_ip.plugins.module_utils import _cluster as cluster_items
from ansible_collections.failover.shared_ip.plugins.module_utils import _decide as decide
from ansible_collections.failover.shared_ip.plugins.module_utils import _read as read
from ansible_collections.failover.shared_ip.plugins.module_utils import _steps as steps_
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import (
    PlanError,
    check_name,
    check_uuid,
    parse_ip,
    record_key,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._module import Runner, StepsFailed
from ansible_collections.failover.shared_ip.plugins.module_utils._read import labelled_by, together
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import names_of, resolve_network, resolve_servers
from ansible_collections.failover.shared_ip.plugins.module_utils._retry import RetryPolicy

SETTLE_SECONDS = 0.5


# ---------------------------------------------------------------- address

def address(module):
    params = module.params
    request = dict(params)
    decide.early_checks(request)
    cloud = module.cloud
    if params["network"]:
        snap = read.read_cluster(cloud, params["network"], params["servers"] or [], addresses=[params["address"]],
                                 ids=[params["id"]], port_ids=params["ports"] or (), subnets=False)
    else:
        snap = read.read_by_id(cloud, params["id"])
        if snap is None:
            module.exit(None, None, [])
    chosen = decide.members(snap, request)
    if chosen is None and params["name"]:
        # No members named: the name labels are on the holders of the network's shared IPs.
        read.read_details(cloud, snap, [a["id"] for a in snap.addresses])
    found = identify(cloud, snap, request, chosen)
    if found:
        read.read_details(cloud, snap, [found["id"]])
    elif params["state"] == "present":
        snap.network = cloud.with_subnets(snap.network)     # a create: its address is checked against them
    before, steps = decide.decide_address(snap, request)
    after = module.converge(before, steps, known_ids=[a["id"] for a in snap.addresses])
    module.exit(before, after, steps)


def identify(cloud, snap, request, chosen):
    """decide.identify, with one holder of each other shared IP of the network read when a name is
    about to be given to an address (a name belongs to one shared IP), or to name both sides of a
    refusal."""
    name = request.get("name")
    try:
        found = decide.identify(snap, request, chosen)
    except PlanError:
        if not name:
            raise
        read.read_holders(cloud, snap, snap.addresses)
        decide.identify(snap, request, chosen)     # the same refusal, now naming every side it can
        raise
    if name and request.get("state", "present") == "present" and (
            found is None or name not in names_of(list(snap.servers.values()), found["id"])):
        read.read_holders(cloud, snap, [a for a in snap.addresses if found is None or a["id"] != found["id"]])
        found = decide.identify(snap, request, chosen)
    return found


# ---------------------------------------------------------------- binding

def _locate(cloud, params, me):
    """The snapshot around the address a binding names (by id, address or name label), and the address."""
    snap = read.Snapshot()
    snap.add_servers([me])
    if params["id"]:
        snap.add_addresses([cloud.ip_address(check_uuid("id", params["id"]))])
    elif params["address"]:
        parse_ip("address", params["address"])
        snap.add_addresses(cloud.ip_addresses(address=params["address"], type="shared"))
    else:
        mine = labelled_by(me).get(params["name"])
        if mine:
            snap.add_addresses([cloud.ip_address(mine)])
        if not snap.addresses:
            _search_by_name(cloud, snap, params["name"])
    read.read_details(cloud, snap, [a["id"] for a in snap.addresses])

    def find():
        return snap.identity().find(ident_id=params["id"], address=params["address"], name=params["name"])

    try:
        found = find()
    except PlanError:
        if not params["name"] or not snap.addresses:
            raise
        _network_addresses(cloud, snap, snap.addresses[0]["network_id"])
        find()          # the same refusal, now naming every side it can
        raise
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


def binding(module):
    params = module.params
    check_name(params["name"])
    rounds = RetryPolicy.for_attempts(params["attempts"], option="attempts", base=0.05, cap=0.5)
    cloud = module.cloud
    me = resolve_servers({params["server"]: read.read_server(cloud, params["server"])}, [params["server"]],
                         option="server")[0]
    snap, found = _locate(cloud, params, me)
    if found is None:
        if params["state"] == "absent":
            module.exit(None, None, [], attempts=1)
        option = "id" if params["id"] else "address" if params["address"] else "name"
        raise PlanError(option, params[option], "no such shared IP; create it with failover.shared_ip.address")
    state = rounds.start()
    first = None
    taken = []
    settled = False
    fresh = True
    own = None
    while True:
        snap = _binding_snapshot(cloud, snap, found["id"], me, fresh)
        fresh = False
        if snap is None:        # deleted meanwhile
            module.exit(first, None, taken, attempts=state.attempts)
        found = snap.address(found["id"])
        before, steps = decide.decide_binding(snap, params, me, found, own)
        first = first if first is not None else before
        if not steps and taken and params["state"] == "absent" and not settled:
            # Another host's write that started before ours may still land and put our port back
            # (a PUT carries a whole list it read earlier): look once more after it had time to.
            settled = True
            if state.pause(retry_after=SETTLE_SECONDS):
                continue
        if not steps:
            module.exit(first, before, taken, attempts=state.attempts)
        settled = False
        if module.check_mode:
            module.exit(first, steps_.apply_all(before, steps), steps, attempts=state.attempts)
        done = []
        runner = Runner(cloud)
        try:
            runner.run(before, steps, done)
        except StepsFailed as exc:
            if not _lost_race(exc.failed):
                exc.done = taken + done
                raise
        finally:
            module.unchanged += runner.unchanged
        taken += done
        _remember(me, found["id"], done)
        for step in done:
            if step.get("server_id") == me["id"] and step["action"] in ("associate", "disassociate"):
                own = step["action"] == "associate"
        # All done: read back at once (another host may have replaced the list meanwhile); a lost
        # race: after a pause from the policy.
        if not state.pause(retry_after=0 if len(done) == len(steps) else None):
            raise PlanError("attempts", params["attempts"], "the binding did not hold after %d rounds: other runs "
                            "kept changing the address; steps still needed: %s"
                            % (params["attempts"], "; ".join(steps_.describe(s) for s in steps)))


def _binding_snapshot(cloud, old, address_id, me, fresh=False):
    """The address, its holders and my ports on its network. ``fresh``: ``old`` was just read (the
    lookup): only my side is added. Later rounds read the address and its holders again; servers
    already read are kept (me in step with our own writes, see _remember)."""
    if fresh:
        snap, addr = old, old.address(address_id)
    else:
        addr = cloud.ip_address(address_id)
        if addr is None:
            return None
        snap = read.Snapshot()
        snap.servers = dict(old.servers)
        snap.holders = dict(old.holders)     # a port's device never changes
        snap.network = old.network
        snap.internal_view = old.internal_view
        snap.add_addresses([addr])
    calls = [("mine", lambda: cloud.ports(network_id=addr["network_id"], device_id=me["id"]))]
    if not fresh:
        calls.append(("details", read.read_details, cloud, snap, [address_id]))
    if me["id"] not in set(snap.holders.get(p) for p in addr["port_ids"]):
        # joining: the network (PublicNet's zone rule, the port limit) and what my port holds
        if snap.network is None or snap.network.get("id") != addr["network_id"]:
            calls.append(("network", cloud.network, addr["network_id"]))
        calls.append(("held", lambda: cloud.ip_addresses(network_id=addr["network_id"], device_id=me["id"],
                                                         type="shared")))
    found = together(calls)
    if "network" in found:
        snap.network = found["network"] or {"id": addr["network_id"]}
    elif snap.network is None or snap.network.get("id") != addr["network_id"]:
        snap.network = {"id": addr["network_id"]}
    snap.add_ports(found["mine"])
    snap.add_addresses(found.get("held") or [])
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


# ---------------------------------------------------------------- cluster

def cluster(module):
    params = module.params
    items = cluster_items.check_items(params["addresses"])
    module.hide(cluster_items.secrets(params["addresses"]))
    request = dict(params, addresses=[dict((k, v) for k, v in item.items() if k in cluster_items.CLOUD_SETTINGS)
                                      for item in items])
    entries = decide.cluster_entries(request)
    for entry, item in zip(entries, items):
        entry["role"] = cluster_items.role_part(item)
    cloud = module.cloud
    snap = read.read_cluster(cloud, params["network"], params["servers"],
                             addresses=[e["address"] for e in entries if e.get("address")])
    decide.cluster_members(snap, params["servers"])
    try:
        found = decide.cluster_identities(snap, entries)
    except PlanError:
        read.read_holders(cloud, snap, snap.addresses)
        decide.cluster_identities(snap, entries)    # the same refusal, now naming every side it can
        raise
    member_ids = set(s["id"] for s in snap.members_of(params["servers"]))
    interest = [a["id"] for a in found.values() if a]
    if params["exclusive"]:
        interest += [a["id"] for a in decide.stale_addresses(snap, entries, member_ids)]
    read.read_details(cloud, snap, interest)
    named = [e for e in entries if found[e["name"]] is None
             or e["name"] not in names_of(list(snap.servers.values()), found[e["name"]]["id"])]
    if named:       # a name about to be given: it must be no other shared IP's (one holder of each read)
        read.read_holders(cloud, snap, snap.addresses)
    found = decide.cluster_identities(snap, entries)
    plans = decide.decide_cluster(snap, request, entries, found)
    try:
        afters = module.converge_many(plans, known_ids=[a["id"] for a in snap.addresses],
                                      create_order=steps_.CreateOrder(steps for _b, steps in plans.values()))
    except StepsFailed as exc:
        exc.state = [exc.state.get(e["name"]) or {} for e in entries]
        raise
    steps = [s for key in plans for s in plans[key][1]]
    vips, pending = decide.vip_addresses(entries, afters, snap.network)
    result = {
        "shared_ips": [afters[e["name"]] for e in entries],
        "keepalived_vip_addresses": vips,
        "pending": pending,
        "deleted": sorted(k for k in plans if k not in [e["name"] for e in entries] and plans[k][1]),
        "changed": bool(module.changed(steps)),
        "actions": ["%s: %s" % (key, steps_.describe(s)) for key in plans for s in plans[key][1]],
    }
    if module.module._diff:
        result["diff"] = {"before": dict((k, steps_.diff_view(b)) for k, (b, _s) in plans.items() if b),
                          "after": dict((k, steps_.diff_view(a)) for k, a in afters.items() if a)}
    module.reveal(result)


# ---------------------------------------------------------------- address_info

def address_info(module):
    params = module.params
    cloud = module.cloud
    snap = read.Snapshot()
    filters = {"type": "shared"}
    first = []
    if params["network"]:
        first.append(("network", read.network_reader(cloud, params["network"])))
    if params["server"]:
        first.append(("server", read.server_reader(cloud, params["server"])))
    if params["id"]:
        check_uuid("id", params["id"])
    if params["address"]:
        parse_ip("address", params["address"])
        filters["address"] = params["address"]
    check_name(params["name"])
    got = together(first)
    if "network" in got:
        known = cloud.networks() if not got["network"] else None
        filters["network_id"] = resolve_network(got["network"], params["network"], known)["id"]
    if "server" in got:
        me = resolve_servers({params["server"]: got["server"]}, [params["server"]], option="server")[0]
        snap.add_servers([me])
        filters["device_id"] = me["id"]
    if params["id"]:
        one = cloud.ip_address(params["id"].lower())
        addresses = [a for a in [one] if a and a["network_id"] == filters.get("network_id", a["network_id"])
                     and str(a.get("address")) == str(filters.get("address", a.get("address")))]
    else:
        addresses = cloud.ip_addresses(**filters)
    snap.add_addresses(addresses)
    read.read_details(cloud, snap, [a["id"] for a in addresses])
    views = [snap.view(a) for a in addresses]
    if "device_id" in filters:
        views = [v for v in views if filters["device_id"] in [m["id"] for m in v["members"]]]
    if params["name"]:
        views = [v for v in views if params["name"] in (v["name"] or "").split(", ")]
    module.module.exit_json(changed=False, shared_ips=sorted(views, key=_by_address))


def _by_address(shared_ip):
    try:
        return (shared_ip["version"] or 0, int(ipaddress.ip_address(str(shared_ip["address"]))))
    except ValueError:
        return (shared_ip["version"] or 0, 0)


# ---------------------------------------------------------------- auth

def auth(module):
    client = module.client(auth_token=None, network_url=None, compute_url=None).authenticate()
    result = dict(auth_token=client.token, tenant_id=client.tenant_id, region=client.region,
                  network_url=client.network_url, compute_url=client.compute_url)
    module.module.exit_json(changed=False, auth=result, expires=client.expires, **result)
