# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The address module: one shared IP and its members. What it reads, decides and does.

read: the network, the members (or ports), the network's shared IPs, the address and id asked for ->
decide (pure, _plan): which shared IP, the refusals, the steps -> the base converges and exits.
"""

from ansible_collections.failover.shared_ip.plugins.module_utils import _plan as plan
from ansible_collections.failover.shared_ip.plugins.module_utils import _snapshot as read
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import names_of


def run(module):
    params = module.params
    request = dict(params)
    plan.early_checks(request)
    cloud = module.cloud
    if params["network"]:
        snap = read.read_cluster(cloud, params["network"], params["servers"] or [], addresses=[params["address"]],
                                 ids=[params["id"]], port_ids=params["ports"] or (), subnets=False)
    else:
        snap = read.read_by_id(cloud, params["id"])
        if snap is None:
            module.exit(None, None, [])
    chosen = read.refuse_fully(lambda: plan.members(snap, request),
                               lambda refusal: read.read_candidates(cloud, snap, refusal))
    if chosen is None and params["name"]:
        # No members named: the name labels are on the holders of the network's shared IPs.
        read.read_details(cloud, snap, [a["id"] for a in snap.addresses])
    found = identify(cloud, snap, request, chosen)
    if found:
        read.read_details(cloud, snap, [found["id"]])
    elif params["state"] == "present":
        snap.network = cloud.with_subnets(snap.network)     # a create: its address is checked against them
    before, steps = read.refuse_fully(lambda: decide(snap, request),
                                      lambda refusal: read.read_elsewhere(cloud, snap, refusal))
    after = module.converge(before, steps, known_ids=[a["id"] for a in snap.addresses])
    module.exit(before, after, steps)


def identify(cloud, snap, request, chosen):
    """plan.identify, with one holder of each other shared IP of the network read when a name is about
    to be given to an address (a name belongs to one shared IP), or to name every side of a refusal."""
    name = request.get("name")

    def read_more(refusal):
        read.read_elsewhere(cloud, snap, refusal)
        if name:
            read.read_holders(cloud, snap, snap.addresses)
        return True

    found = read.refuse_fully(lambda: plan.identify(snap, request, chosen), read_more)
    if name and request.get("state", "present") == "present" and (
            found is None or name not in names_of(list(snap.servers.values()), found["id"])):
        read.read_holders(cloud, snap, [a for a in snap.addresses if found is None or a["id"] != found["id"]])
        found = plan.identify(snap, request, chosen)
    return found


def decide(snap, request):
    """(before, steps) for the address module. Pure."""
    chosen = plan.members(snap, request)
    found = plan.identify(snap, request, chosen)
    if request.get("state", "present") == "absent":
        before = snap.view(found)
        return before, plan.plan_absent(before, snap.servers) if before else []
    return plan.decide_present(snap, request, chosen, found)
