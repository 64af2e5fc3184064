"""The installed playbook failover.shared_ip.site takes the cluster from the user's inventory, and only from it.

A user's inventory directory (hosts.yml, group_vars/all.yml) with a cluster of its own, run against the
simulator with the collection installed from the tarball: the cloud ends up with the user's addresses
and names and nothing else, host_vars of localhost outranking group_vars as usual. Without the cluster
the play stops before any call, naming what is missing.
Both runs use `--tags cloud` with members that cannot be reached: nothing may touch them.
"""

import pytest
import yaml

from testbed.fakecloud.client import DEMO, Control
from tests.release.helpers import FQCN, run, tool

NAME_KEY_PREFIX = "failover-shared-ip:"
# Members that refuse every connection (a closed port on the loopback): a task on them would be unreachable.
HOSTS = {"all": {"children": {"members": {
    "vars": {"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_connection": "ssh"},
    "hosts": {"node01": None, "node02": None, "node03": None}}}}}
USER_CLUSTER = {
    "shared_ip_network": "cluster-net",
    "shared_ips": [
        {"name": "shop", "address": "192.168.100.150", "preferred": ["node02"]},
        {"name": "shop6", "version": 6, "servers": ["node02", "node03"]},
    ],
}


def _inventory(path, identity_url, cluster):
    (path / "group_vars").mkdir(parents=True)
    (path / "hosts.yml").write_text(yaml.safe_dump(HOSTS))
    (path / "group_vars" / "all.yml").write_text(yaml.safe_dump({"shared_ip_identity_url": identity_url, **cluster}))
    return path


def _site(installed, inventory, *args):
    env = {**installed["env"], "RAX_USERNAME": DEMO["username"], "RAX_API_KEY": DEMO["api_key"]}
    return run([tool("ansible-playbook"), "-i", inventory, f"{FQCN}.site", "--tags", "cloud", *args],
               env=env, cwd=inventory)


def _shared_ips(url):
    """{name: (address, [member servers])} of every shared IP of the demo account, read with plain HTTP."""
    cloud = Control(url).session()
    servers = cloud.get_all("compute", "/servers/detail", "servers")
    names = {value: key[len(NAME_KEY_PREFIX):] for s in servers for key, value in (s.get("metadata") or {}).items()
             if key.startswith(NAME_KEY_PREFIX)}
    ports = {p["id"]: p["device_id"] for p in cloud.get_all("network", "/ports", "ports")}
    by_id = {s["id"]: s["name"] for s in servers}
    found = {}
    for ip in cloud.get_all("network", "/ip_addresses", "ip_addresses", type="shared"):
        members = sorted(by_id[ports[p]] for p in ip["port_ids"])
        found[names.get(ip["id"], ip["id"])] = (ip["address"], members)
    return found


def _recap_hosts(stdout):
    recap = stdout.split("PLAY RECAP", 1)[1]
    return sorted(line.split()[0] for line in recap.splitlines() if " : ok=" in line)


def test_the_installed_playbook_uses_the_users_cluster_and_only_it(installed, fakecloud, tmp_path):
    inventory = _inventory(tmp_path / "inventory", fakecloud + "/v2.0", USER_CLUSTER)
    proc = _site(installed, inventory)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    found = _shared_ips(fakecloud)
    assert sorted(found) == ["shop", "shop6"], found
    assert found["shop"] == ("192.168.100.150", ["node01", "node02", "node03"]), found
    address6, members6 = found["shop6"]
    assert ":" in address6 and members6 == ["node02", "node03"], found
    assert _recap_hosts(proc.stdout) == ["localhost"], proc.stdout[-3000:]


def test_without_a_cluster_the_installed_playbook_stops_before_any_call_naming_what_is_missing(
        installed, fakecloud, tmp_path):
    inventory = _inventory(tmp_path / "inventory", fakecloud + "/v2.0", {})
    proc = _site(installed, inventory)
    assert proc.returncode != 0
    for variable in ("shared_ip_network", "shared_ips"):
        assert f"{variable} is not set" in proc.stdout, proc.stdout[-4000:]
    assert Control(fakecloud).counters()["total"] == 0
    assert _recap_hosts(proc.stdout) == ["localhost"], proc.stdout[-3000:]


def test_host_vars_of_localhost_outrank_the_group_vars(installed, fakecloud, tmp_path):
    inventory = _inventory(tmp_path / "inventory", fakecloud + "/v2.0", USER_CLUSTER)
    (inventory / "host_vars").mkdir()
    (inventory / "host_vars" / "localhost.yml").write_text(
        yaml.safe_dump({"shared_ips": [{"name": "blog", "address": "192.168.100.160"}]}))
    proc = _site(installed, inventory)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert _shared_ips(fakecloud) == {"blog": ("192.168.100.160", ["node01", "node02", "node03"])}


@pytest.mark.parametrize("missing", ["shared_ip_network", "shared_ips"])
def test_a_cluster_given_with_extra_vars_completes_the_inventory(installed, fakecloud, tmp_path, missing):
    partial = {k: v for k, v in USER_CLUSTER.items() if k != missing}
    inventory = _inventory(tmp_path / "inventory", fakecloud + "/v2.0", partial)
    extra = tmp_path / "extra.yml"
    extra.write_text(yaml.safe_dump({missing: USER_CLUSTER[missing]}))
    proc = _site(installed, inventory, "-e", f"@{extra}")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert sorted(_shared_ips(fakecloud)) == ["shop", "shop6"]


def test_an_address_password_in_the_inventory_is_never_printed(installed, fakecloud, tmp_path):
    secret = "vrrp-Pa55-for-shop"
    cluster = dict(USER_CLUSTER, shared_ips=[dict(USER_CLUSTER["shared_ips"][0], auth_pass=secret)])
    inventory = _inventory(tmp_path / "inventory", fakecloud + "/v2.0", cluster)
    proc = _site(installed, inventory, "-vvv")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    assert sorted(_shared_ips(fakecloud)) == ["shop"]
    assert secret not in proc.stdout + proc.stderr
