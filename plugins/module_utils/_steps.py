# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The step kinds, in one table: how each is described, applied to a copy of the state (check mode
and after a real call alike: ``apply_step`` is the one transition function), performed against the
cloud, and whether consecutive steps of it may run in parallel.

A step is a dict with ``action`` (a key of STEPS) and the fields its kind reads. The state is one
shared IP in the view shape of _resolve.view (None before a create and after a delete).
"""

import copy
import threading

from ansible_collections.failover.shared_ip.plugins.module_utils._contract import record_key
from ansible_collections.failover.shared_ip.plugins.module_utils._errors import ApiError
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import sorted_members


PICKED = "(picked by the cloud)"     # the diff's address of a create the cloud picks for, in check mode


class StepKind:
    def __init__(self, describe, apply, perform, parallel):
        self.describe = describe
        self.apply = apply
        self.perform = perform
        self.parallel = parallel


def _names(members):
    return ", ".join(sorted(m.get("name") or m.get("id") or m["port_id"] for m in members))


def _who(step):
    return step.get("server") or step["server_id"]


# -- create ------------------------------------------------------------------------------------

def _describe_create(step):
    what = step.get("ip_address") or "%s (IPv%d, address picked by the cloud)" % (step.get("name") or "a shared IP",
                                                                                step["version"])
    return "create %s on %s for %s" % (what, step.get("network") or step["network_id"], _names(step["members"]))


def _apply_create(current, step, result):
    created = result or {}
    members = [{"id": m["id"], "name": m["name"], "port_id": m["port_id"], "associated": False}
               for m in step["members"]]
    return {"id": created.get("id"), "address": created.get("address", step.get("ip_address")),
            "network_id": step["network_id"], "version": step["version"],
            "type": created.get("type", "shared"), "subnet_id": created.get("subnet_id"),
            "name": None, "members": sorted_members(members)}


def _perform_create(cloud, state, step, context):
    """POST the address. With CreateOrder in the context (shared IPs converged side by side), creates that
    ask for an address go first: a create the cloud picks for could otherwise take that very address."""
    order = context.get("create_order")
    if order is not None and not step.get("ip_address"):
        order.wait()
    try:
        return cloud.create_ip_address(step["network_id"], step["version"], port_ids=step["port_ids"],
                                       ip_address=step.get("ip_address"), known_ids=context.get("known_ids"))
    finally:
        if order is not None and step.get("ip_address"):
            order.done()


class CreateOrder:
    """Counts the creates that ask for an address; the others wait until every one of them has ended."""

    def __init__(self, plans):
        self.pending = sum(1 for steps in plans for s in steps if s["action"] == "create" and s.get("ip_address"))
        self.cond = threading.Condition()

    def done(self):
        with self.cond:
            self.pending -= 1
            self.cond.notify_all()

    def wait(self):
        with self.cond:
            self.cond.wait_for(lambda: self.pending <= 0)


# -- set_ports ---------------------------------------------------------------------------------

def _describe_set_ports(step):
    return "set ports to %s" % _names(step["members"])


def _apply_set_ports(current, step, result):
    new = copy.deepcopy(current)
    old = dict((m["port_id"], m) for m in new["members"])
    new["members"] = sorted_members([
        {"id": m["id"], "name": m["name"], "port_id": m["port_id"],
         "associated": old[m["port_id"]]["associated"] if m["port_id"] in old else False}
        for m in step["members"]])
    if result and result.get("type"):
        new["type"] = result["type"]
    return new


def _perform_set_ports(cloud, state, step, context):
    return cloud.set_ip_address_ports(state["id"], step["port_ids"])


# -- delete ------------------------------------------------------------------------------------

def _describe_delete(step):
    return "delete %s" % (step.get("address") or step["id"])


def _apply_delete(current, step, result):
    return None


def _perform_delete(cloud, state, step, context):
    return gone_is_done(cloud.delete_ip_address, state["id"])


# -- associate / disassociate (with this collection's record of it) ----------------------------

def _describe_server(step):
    return "%s %s" % (step["action"], _who(step))


def _set_associated(value):
    def apply(current, step, result):
        new = copy.deepcopy(current)
        for m in new["members"]:
            if m["id"] == step["server_id"]:
                m["associated"] = value
        return new
    return apply


def _perform_associate(cloud, state, step, context):
    """PUT the association ("already exists" is done), then record it: only after it succeeded."""
    result = cloud.associate(step["server_id"], state["id"])
    cloud.set_metadata_item(step["server_id"], record_key(state["id"]), state.get("address") or state["id"])
    return result


def _perform_disassociate(cloud, state, step, context):
    """DELETE the association (gone is done), then the record, if there is one."""
    gone_is_done(cloud.disassociate, step["server_id"], state["id"])
    if step.get("record", True):
        gone_is_done(cloud.delete_metadata_item, step["server_id"], record_key(state["id"]))


# -- label / unlabel ---------------------------------------------------------------------------

def _describe_label(step):
    return "%s %s %s" % (step["action"], _who(step), step["key"])


def _apply_label(current, step, result):
    new = copy.deepcopy(current)
    new["name"] = step["name"]
    return new


def _apply_nothing(current, step, result):
    return copy.deepcopy(current)


def _perform_label(cloud, state, step, context):
    return cloud.set_metadata_item(step["server_id"], step["key"], state["id"])


def _perform_unlabel(cloud, state, step, context):
    return gone_is_done(cloud.delete_metadata_item, step["server_id"], step["key"])


def _perform_unrecord(cloud, state, step, context):
    return gone_is_done(cloud.delete_metadata_item, step["server_id"], step["key"])


STEPS = {
    "create": StepKind(_describe_create, _apply_create, _perform_create, parallel=False),
    "disassociate": StepKind(_describe_server, _set_associated(False), _perform_disassociate, parallel=True),
    "set_ports": StepKind(_describe_set_ports, _apply_set_ports, _perform_set_ports, parallel=False),
    "associate": StepKind(_describe_server, _set_associated(True), _perform_associate, parallel=True),
    "label": StepKind(_describe_label, _apply_label, _perform_label, parallel=True),
    "unlabel": StepKind(_describe_label, _apply_nothing, _perform_unlabel, parallel=True),
    "unrecord": StepKind(_describe_label, _apply_nothing, _perform_unrecord, parallel=True),
    "delete": StepKind(_describe_delete, _apply_delete, _perform_delete, parallel=False),
}


def gone_is_done(call, *args):
    """A removal whose target is already gone reached its goal (another run or host did it)."""
    try:
        return call(*args)
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def describe(step):
    """One line a user reads in ``actions`` and in failure messages."""
    return STEPS[step["action"]].describe(step)


def apply_step(current, step, result=None):
    """The state after one step. ``result`` is the API's answer where there is one (create)."""
    return STEPS[step["action"]].apply(current, step, result)


def apply_all(current, steps):
    """Check mode: the state the real run would leave, from the same steps."""
    state = copy.deepcopy(current)
    for step in steps:
        state = apply_step(state, step)
    return state


def perform(cloud, state, step, context=None):
    return STEPS[step["action"]].perform(cloud, state, step, context or {})


def phases(steps):
    """Consecutive steps that may run together: parallel kinds in groups, the rest alone."""
    out = []
    for step in steps:
        if out and STEPS[step["action"]].parallel and STEPS[out[-1][0]["action"]].parallel:
            out[-1].append(step)
        else:
            out.append([step])
    return out


def diff_view(state):
    """The managed keys only, for diff mode."""
    if state is None:
        return {}
    return {
        "address": state.get("address") or PICKED, "name": state.get("name"),
        "members": dict((m.get("name") or m.get("id") or m["port_id"],
                         {"port_id": m["port_id"], "associated": m["associated"]}) for m in state["members"]),
    }
