"""What the example inventory asks for: the shared IPs of examples/inventory/group_vars/all.yml."""

from dataclasses import dataclass, field

import yaml

from tools.paths import ROOT

EXAMPLE_INVENTORY = ROOT / "examples" / "inventory"
GROUP_VARS = EXAMPLE_INVENTORY / "group_vars" / "all.yml"


@dataclass
class Wanted:
    name: str
    preferred: list = field(default_factory=list)
    address: str = None
    version: int = 4
    track: list = field(default_factory=list)  # the health checks (keepalived_vip_checks) it depends on
    order: list = field(default_factory=list)  # the role's order of preference over the members

    def holder(self, down=()):
        """The member that should hold this address while the members in `down` are out."""
        return next((m for m in self.order if m not in down), None)


def wanted_shared_ips(path=GROUP_VARS):
    data = yaml.safe_load(path.read_text())
    return [Wanted(name=ip["name"], preferred=list(ip.get("preferred") or []), address=ip.get("address"),
                   version=int(ip.get("version", 4)), track=list(ip.get("track") or []))
            for ip in data["shared_ips"]]


def network_name(path=GROUP_VARS):
    return yaml.safe_load(path.read_text())["shared_ip_network"]


def plan_order(wanted, members):
    """Fill in each address's order of preference the way the role computes it (its vrrp filter)."""
    from ansible_collections.failover.shared_ip.plugins.filter.vrrp import vrrp_plan

    sources = {m: {"ipv4": "192.0.2.1", "ipv6": "2001:db8::1"} for m in members}  # peers do not matter here
    plan = vrrp_plan([{"name": w.name, "address": w.address, "preferred": w.preferred} for w in wanted],
                     members, sources=sources)
    if plan["errors"]:
        raise ValueError("; ".join(plan["errors"]))
    orders = {i["name"]: i["order"] for i in plan["instances"]}
    for want in wanted:
        want.order = orders[want.name]
    return wanted
