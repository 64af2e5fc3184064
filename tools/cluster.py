"""What the example playbook asks for: the shared IPs of playbooks/group_vars/all.yml."""

from dataclasses import dataclass, field

import yaml

from tools.paths import ROOT

GROUP_VARS = ROOT / "playbooks" / "group_vars" / "all.yml"


@dataclass
class Wanted:
    name: str
    preferred: list = field(default_factory=list)
    address: str = None
    version: int = 4


def wanted_shared_ips(path=GROUP_VARS):
    data = yaml.safe_load(path.read_text())
    return [Wanted(name=ip["name"], preferred=list(ip.get("preferred") or []), address=ip.get("address"),
                   version=int(ip.get("version", 4))) for ip in data["shared_ips"]]


def network_name(path=GROUP_VARS):
    return yaml.safe_load(path.read_text())["shared_ip_network"]
