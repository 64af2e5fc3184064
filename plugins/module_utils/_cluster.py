# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster module: every shared IP of one cluster on one network. What it reads, decides and does.

read: the network and the members, their ports, the network's shared IPs and the addresses asked for
(_snapshot.read_cluster) -> decide (pure: ``entries``, ``identities``, ``decide``): every refusal of
every item before the first write -> the base converges the shared IPs side by side and exits, with
``keepalived_vip_addresses`` for the role.

An item of ``addresses`` holds the cloud settings of one shared IP (ITEM_SPEC) and, besides them, any per-address setting
of the role failover.shared_ip.keepalived_vip (ROLE_SETTINGS: a copy of the options of an item of
``keepalived_vip_addresses`` in roles/keepalived_vip/meta/argument_specs.yml, less ``name``, ``address``
and ``preferred``, which the module itself fills in; a unit test keeps the copy identical). The role's
part is checked here against that spec and passed on unchanged in ``keepalived_vip_addresses``.
"""

import ipaddress

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.failover.shared_ip.plugins.module_utils import _plan as plan
from ansible_collections.failover.shared_ip.plugins.module_utils import _rules as rules
from ansible_collections.failover.shared_ip.plugins.module_utils import _snapshot as read
from ansible_collections.failover.shared_ip.plugins.module_utils import _steps as steps_
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PlanError, check_name, near_miss
from ansible_collections.failover.shared_ip.plugins.module_utils._steps import StepsFailed
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import DELETE_WITH_CLUSTER, names_of

ROLE_SETTINGS = dict(
    router_id=dict(type="int"),
    interface=dict(type="str"),
    track=dict(type="list", elements="str"),
    advert_int=dict(type="float"),
    vrrp_version=dict(type="int", choices=[2, 3]),
    auth_pass=dict(type="str", no_log=True),
    preempt=dict(type="bool"),
    preempt_delay=dict(type="int"),
    garp_master_delay=dict(type="int"),
    garp_master_repeat=dict(type="int"),
    garp_master_refresh=dict(type="int"),
    garp_master_refresh_repeat=dict(type="int"),
    notify_script=dict(type="str"),
    instance_extra=dict(type="list", elements="str"),
)

CLOUD_SETTINGS = dict(
    name=dict(type="str"),
    address=dict(type="str"),
    version=dict(type="int", choices=[4, 6]),
    servers=dict(type="list", elements="str"),
    associate=dict(type="bool"),
    preferred=dict(type="list", elements="str"),
)

ITEM_SPEC = dict(CLOUD_SETTINGS, **ROLE_SETTINGS)
SECRET_SETTINGS = sorted(k for k, v in ROLE_SETTINGS.items() if v.get("no_log"))
MASK = "********"

_KINDS = {"str": "a string", "int": "a whole number", "float": "a number", "bool": "a boolean",
          "list": "a list", "dict": "a dict"}


def run(module):
    params = module.params
    module.hide(secrets(params["addresses"]))
    items = check_items(params["addresses"])
    request = dict(params, addresses=[dict((k, v) for k, v in item.items() if k in CLOUD_SETTINGS) for item in items])
    entries_ = entries(request)
    for entry, item in zip(entries_, items):
        entry["role"] = role_part(item)
    cloud = module.cloud
    snap = read_for(cloud, params, entries_)
    plans = read.refuse_fully(lambda: decide(snap, request, entries_, identities(snap, entries_)),
                              lambda refusal: read.read_elsewhere(cloud, snap, refusal))
    try:
        afters = module.converge_many(plans, known_ids=[a["id"] for a in snap.addresses],
                                      create_order=steps_.CreateOrder(steps for _b, steps in plans.values()))
    except StepsFailed as exc:
        exc.state = [exc.state.get(e["name"]) or {} for e in entries_]
        raise
    vips, pending = vip_addresses(entries_, afters, snap.network)
    listed = [e["name"] for e in entries_]
    module.exit_many(plans, afters, shared_ips=[afters[name] for name in listed], keepalived_vip_addresses=vips,
                     pending=pending, deleted=sorted(k for k in plans if k not in listed and plans[k][1]))


def read_for(cloud, params, entries_):
    """The snapshot the decision needs: the network, the members and their ports, the network's shared
    IPs (read_cluster); the details of those the entries name (and, with exclusive, of the stale ones);
    one holder of every other shared IP where a name is about to be given, or to name a refusal."""
    snap = read.read_cluster(cloud, params["network"], params["servers"],
                             addresses=[e["address"] for e in entries_ if e.get("address")])
    snap.how_to_delete = DELETE_WITH_CLUSTER
    read.refuse_fully(lambda: cluster_members(snap, params["servers"]),
                      lambda refusal: read.read_candidates(cloud, snap, refusal))
    found = read.refuse_fully(lambda: identities(snap, entries_),
                              lambda refusal: read.read_holders(cloud, snap, snap.addresses) or True)
    interest = [a["id"] for a in found.values() if a]
    if params["exclusive"]:
        member_ids = set(s["id"] for s in snap.members_of(params["servers"]))
        interest += [a["id"] for a in stale_addresses(snap, entries_, member_ids)]
    read.read_details(cloud, snap, interest)
    servers = list(snap.servers.values())
    if any(found[e["name"]] is None or e["name"] not in names_of(servers, found[e["name"]]["id"]) for e in entries_):
        read.read_holders(cloud, snap, snap.addresses)      # a name about to be given: no other shared IP's
    return snap


# ---------------------------------------------------------------- the items

def secrets(items):
    """The values of the role's secret settings (auth_pass) in ``items``, as given."""
    return [str(item[k]) for item in items or [] if isinstance(item, dict)
            for k in SECRET_SETTINGS if item.get(k) not in (None, "")]


def _wanted(spec):
    if spec.get("choices"):
        return "one of %s" % ", ".join(str(c) for c in spec["choices"])
    kind = _KINDS[spec["type"]]
    if spec.get("elements"):
        kind += " of %ss" % spec["elements"].replace("str", "string")
    return kind


def check_item(index, item):
    """One item of ``addresses``, each setting converted to the type of its spec: {setting: value}.

    Refuses (PlanError ``addresses[i].setting``) an unknown setting or one of the wrong type, with the
    value (masked for a secret) and what it must be.
    """
    where = "addresses[%d]" % index
    if not isinstance(item, dict):
        raise PlanError(where, item, "must be a dict of settings")
    out = {}
    for key in sorted(item):
        value = item[key]
        spec = ITEM_SPEC.get(key)
        if spec is None:
            near = near_miss(key, ITEM_SPEC, cutoff=0.6)  # a setting's short spelling (addr) still finds it
            shown = MASK if set(near) & set(SECRET_SETTINGS) else value     # a misspelt secret is one too
            raise PlanError("%s.%s" % (where, key), shown, "no such setting%s; an address takes the cloud settings "
                            "%s and the role's %s" % (" (did you mean %s?)" % near[0] if near else "",
                                                      ", ".join(CLOUD_SETTINGS), ", ".join(ROLE_SETTINGS)), near)
        shown = MASK if key in SECRET_SETTINGS else value
        if value is None:
            continue
        result = ArgumentSpecValidator({key: spec}).validate({key: value})
        if result.error_messages:
            origin = "" if key in CLOUD_SETTINGS else " (the role's keepalived_vip_addresses[].%s)" % key
            raise PlanError("%s.%s" % (where, key), shown, "must be %s%s" % (_wanted(spec), origin))
        out[key] = result.validated_parameters[key]
    return out


def check_items(items):
    """Every item of ``addresses``, checked and converted (see check_item)."""
    return [check_item(index, item) for index, item in enumerate(items or [])]


def role_part(item):
    """The role's settings of one checked item, as given."""
    return dict((k, v) for k, v in item.items() if k in ROLE_SETTINGS)


# ---------------------------------------------------------------- decide (pure)

def entries(request):
    """The listed addresses, checked and completed: name, address, version, servers, associate, preferred."""
    members_all = rules.check_server_specs(request.get("servers"))
    rules.check_distinct("servers", members_all)
    out = [_entry(index, item, members_all) for index, item in enumerate(request.get("addresses") or [])]
    rules.check_distinct("addresses[].name", [e["name"] for e in out])
    rules.check_distinct("addresses[].address", [e["address"] for e in out if e.get("address")])
    return out


def _entry(index, item, members_all):
    where = "addresses[%d]" % index
    name = check_name(item.get("name"), option=where + ".name")
    if name is None:
        raise PlanError(where + ".name", None, "every address needs a name")
    entry = dict(item, where=where)
    subset = item.get("servers")
    if subset is not None:
        rules.check_server_specs(subset, option=where + ".servers")
        rules.check_distinct(where + ".servers", subset)
        outside = [s for s in subset if s not in members_all]
        if outside:
            raise PlanError(where + ".servers", outside, "not among the cluster's servers %s" % ", ".join(members_all))
    entry["servers"] = list(subset) if subset is not None else list(members_all)
    for who in item.get("preferred") or []:
        if who not in entry["servers"]:
            near = [n for n in near_miss(who, entry["servers"]) if n.lower() == str(who).lower()]
            alike = " (%s is spelt differently: servers and preferred must name it alike)" % near[0] if near else ""
            raise PlanError(where + ".preferred", who, "not among this address's servers %s%s"
                            % (", ".join(entry["servers"]), alike), near)
    if item.get("address") is not None:
        version = rules.version_of(item["address"], option=where + ".address")
        if item.get("version") and item["version"] != version:
            raise PlanError(where + ".address", item["address"], "is an IPv%d address but version is %d"
                            % (version, item["version"]))
    entry["associate"] = item.get("associate", True) is not False
    return entry


def cluster_members(snap, servers):
    """The cluster's members as a whole, refused under the option ``servers``: each found, each with
    one port on the network, and on PublicNet all in one public IP zone."""
    chosen = plan.members(snap, {"servers": servers})
    rules.check_members(snap.network, chosen, list(snap.servers.values()))
    return chosen


def identities(snap, entries_):
    """{name: existing address or None} for every entry."""
    found = {}
    for entry in entries_:
        chosen = plan.members(snap, {"servers": entry["servers"]}, option="servers")
        try:
            found[entry["name"]] = plan.identify(snap, {"name": entry["name"], "address": entry.get("address")},
                                                 chosen)
        except PlanError as exc:
            raise _at(exc, entry)
    return found


def stale_addresses(snap, entries_, member_ids):
    """Shared IPs on the network labelled on these members with a name no longer listed, every port of
    which belongs to a member: what ``exclusive`` deletes."""
    listed = set(e["name"] for e in entries_)
    member_ports = set(p["id"] for p in snap.ports.values() if p.get("device_id") in member_ids)
    members_read = [snap.servers[i] for i in member_ids if i in snap.servers]
    out = []
    for addr in snap.addresses:
        names = set(names_of(members_read, addr["id"]))
        if names and not names & listed and set(addr.get("port_ids") or []) <= member_ports:
            out.append(addr)
    return out


def decide(snap, request, entries_, found):
    """{name: (before, steps)} for every entry, and for each stale address (exclusive) under its name.

    Every refusal of every entry is raised before any write; the port limit counts what all entries
    add to each port together.
    """
    chosen = dict((e["name"], plan.members(snap, {"servers": e["servers"]})) for e in entries_)
    adding = {}
    for entry in entries_:
        current = found[entry["name"]]
        holding = set(current.get("port_ids") or []) if current else set()
        for port_id in chosen[entry["name"]].values():
            if port_id not in holding:
                adding[port_id] = adding.get(port_id, 0) + 1
    stale = stale_addresses(snap, entries_, set(s["id"] for s in snap.members_of(request["servers"])))
    new = sum(1 for e in entries_ if found[e["name"]] is None)
    if new:
        kept = [a for a in snap.addresses if not (request.get("exclusive") and a in stale)]
        rules.check_public_quota(snap.network, kept, new_count=new)
    plans = {}
    for entry in entries_:
        req = {"name": entry["name"], "address": entry.get("address"), "version": entry.get("version"),
               "associate": entry["associate"], "network": request.get("network")}
        try:
            plans[entry["name"]] = plan.decide_present(snap, req, chosen[entry["name"]], found[entry["name"]],
                                                       adding=adding)
        except PlanError as exc:
            raise _at(exc, entry)
    for addr in stale if request.get("exclusive") else []:
        before = snap.view(addr)
        plans[before.get("name") or addr["id"]] = (before, plan.plan_absent(before, snap.servers))
    return plans


def _at(exc, entry):
    """A refusal about one listed address names it: addresses[i].option."""
    if exc.option in ("name", "address", "version", "servers", "id"):
        return PlanError("%s.%s" % (entry["where"], exc.option), exc.value, exc.reason, exc.candidates)
    return exc


def vip_addresses(entries_, states, network):
    """The role's ``keepalived_vip_addresses`` and the names left out of it.

    Each item: name, address with its prefix length, preferred order, then the role's own settings of
    the entry (``role``) as given. An address not known yet (check mode, the cloud picks it when the real
    run creates it) is left out: there is nothing to configure yet; ``pending`` names it with the reason.
    """
    out, pending = [], []
    for entry in entries_:
        state = states.get(entry["name"])
        if not state or not state.get("address"):
            pending.append({"name": entry["name"], "reason": "check mode: the cloud picks this address when the "
                            "real run creates it, so keepalived has nothing to configure for it yet"})
            continue
        item = {"name": entry["name"], "address": with_prefix(state, network)}
        if entry.get("preferred"):
            item["preferred"] = list(entry["preferred"])
        item.update(entry.get("role") or {})
        out.append(item)
    return out, pending


def with_prefix(state, network):
    """``address/prefix`` from the subnet the address was taken from; a host prefix when unknown."""
    ip = ipaddress.ip_address(str(state["address"]))
    prefix = ip.max_prefixlen
    for subnet in network.get("subnets") or []:
        if isinstance(subnet, dict) and subnet.get("cidr"):
            net = ipaddress.ip_network(str(subnet["cidr"]), strict=False)
            if ip in net and (subnet.get("id") == state.get("subnet_id") or prefix == ip.max_prefixlen):
                prefix = net.prefixlen
    return "%s/%d" % (ip, prefix)
