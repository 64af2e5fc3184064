"""The installed tarball works on its own: docs, a module task, a role task.

Every command here sees only the copy that `ansible-galaxy collection install`
put into an empty temporary path (see conftest.py), and each test checks in
Ansible's own verbose output that the code it ran came from there.
"""

import json
from pathlib import Path

import pytest
import yaml

from testbed.fakecloud.client import Session
from tests.release.helpers import FQCN, REPO, run, tool

MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))


def test_the_working_tree_has_modules_to_check():
    assert MODULES, "plugins/modules holds no module"


def test_installed_copy_lists_every_module_and_no_other(installed):
    proc = run([tool("ansible-doc"), "--json", "-t", "module", "-l", FQCN], env=installed["env"], cwd=installed["cwd"])
    assert proc.returncode == 0, proc.stderr
    listed = sorted(name.split(".")[-1] for name in json.loads(proc.stdout))
    assert listed == MODULES


def test_action_group_names_installed_modules(installed):
    runtime = yaml.safe_load((installed["path"] / "meta" / "runtime.yml").read_text())
    cloud = runtime["action_groups"]["cloud"]
    assert cloud and set(cloud) <= set(MODULES)


@pytest.fixture(scope="module")
def module_docs(installed):
    """What ansible-doc --json reads from the installed copy for every module: one ansible-doc call."""
    proc = run([tool("ansible-doc"), "--json", *(f"{FQCN}.{module}" for module in MODULES)],
               env=installed["env"], cwd=installed["cwd"])
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_reads_module_from_installed_copy(installed, module_docs, module):
    assert "WARNING" not in module_docs.stderr, module_docs.stderr
    doc = json.loads(module_docs.stdout)[f"{FQCN}.{module}"]["doc"]
    assert Path(doc["filename"]).is_relative_to(installed["root"]), doc["filename"]
    assert doc["short_description"]
    assert doc.get("version_added"), f"{module}: no version_added"


def _return_gaps(keys, prefix=""):
    """RETURN keys lacking what users read: description and type everywhere, returned and sample at the top."""
    gaps = []
    for name, spec in (keys or {}).items():
        needed = ("description", "type") + (("returned", "sample") if not prefix else ())
        gaps += [f"{prefix}{name}: no {field}" for field in needed if field not in spec]
        gaps += _return_gaps(spec.get("contains"), f"{prefix}{name}.")
    return gaps


@pytest.mark.parametrize("module", MODULES)
def test_every_return_key_is_documented(module_docs, module):
    returns = json.loads(module_docs.stdout)[f"{FQCN}.{module}"]["return"]
    assert returns, f"{module}: no RETURN"
    assert not _return_gaps(returns)


def _share_an_address(url):
    """Make a shared IP on cluster-net for node01 and node02 with plain HTTP (an independent view, not the
    module under test); return it."""
    cloud = Session(url + "/v2.0", "demo", api_key="demo-api-key", region="DFW")
    net = next(n for n in cloud.get("network", "/networks")["networks"] if n["name"] == "cluster-net")
    servers = {s["name"]: s["id"] for s in cloud.get("compute", "/servers/detail", name="^node0[12]$")["servers"]}
    ports = cloud.get("network", "/ports", network_id=net["id"])["ports"]
    port_ids = [p["id"] for p in ports if p["device_id"] in (servers["node01"], servers["node02"])]
    assert len(port_ids) == 2, ports
    resp = cloud.net("POST", "/ip_addresses", {"ip_address": {"network_id": net["id"], "version": 4, "port_ids": port_ids}})
    assert resp.status_code == 201, resp.text
    return resp.json()["ip_address"]


def test_module_task_runs_from_installed_copy(installed, playbook, fakecloud):
    shared = _share_an_address(fakecloud)
    proc = playbook(f"""
- name: Read shared IPs with the installed collection
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/{FQCN}.cloud:
      username: demo
      api_key: demo-api-key
      identity_url: {fakecloud}/v2.0
      region: DFW
  tasks:
    - name: List shared IPs (connection set once for the action group)
      {FQCN}.address_info:
      register: info

    - name: Hand the result to the test
      ansible.builtin.debug:
        msg: "RESULT {{{{ info | to_json }}}}"
""", "-vvv")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    module_file = installed["path"] / "plugins" / "modules" / "address_info.py"
    assert f"Using module file {module_file}" in proc.stdout
    result = proc.stdout.split('"msg": "RESULT ', 1)[1]
    assert shared["id"] in result and shared["address"] in result, result[:2000]


ROLE_PLAY = """
- name: Preflight of the installed role
  hosts: members
  gather_facts: false
  vars:
    keepalived_vip_interface: lo
    keepalived_vip_members: [node01, node02]
    keepalived_vip_addresses:
      - name: web
        address: "{address}"
  tasks:
    - name: Check the input and plan
      ansible.builtin.include_role:
        name: failover.shared_ip.keepalived_vip
        tasks_from: preflight
"""

ROLE_INVENTORY = """
members:
  hosts:
    node01:
      keepalived_vip_unicast_src: {ipv4: 192.168.100.11}
    node02:
      keepalived_vip_unicast_src: {ipv4: 192.168.100.12}
  vars:
    ansible_connection: local
"""


def _role_run(installed, playbook, address):
    inventory = installed["cwd"] / "members.yml"
    inventory.write_text(ROLE_INVENTORY)
    return playbook(ROLE_PLAY.format(address=address), "-vv", "-i", inventory)


def test_role_preflight_accepts_good_input_from_installed_copy(installed, playbook):
    proc = _role_run(installed, playbook, "192.168.100.100/24")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    preflight = installed["path"] / "roles" / "keepalived_vip" / "tasks" / "preflight.yml"
    assert f"task path: {preflight}:" in proc.stdout
    assert "ok: [node01]" in proc.stdout and "ok: [node02]" in proc.stdout


def test_role_preflight_refuses_bad_address_naming_it(installed, playbook):
    proc = _role_run(installed, playbook, "192.168.100.300")
    assert proc.returncode != 0
    assert "keepalived_vip_addresses[0].address" in proc.stdout, proc.stdout[-4000:]
    assert "192.168.100.300" in proc.stdout
    preflight = installed["path"] / "roles" / "keepalived_vip" / "tasks" / "preflight.yml"
    assert f"task path: {preflight}:" in proc.stdout
