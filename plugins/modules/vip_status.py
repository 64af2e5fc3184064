#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vip_status
short_description: Report which shared addresses this keepalived member holds
version_added: 0.1.0
description:
  - Runs on a member configured by the role P(failover.shared_ip.keepalived_vip#role) and reports, for each of
    its shared addresses, whether the address is on this host and keepalived's VRRP state for it.
  - The state comes from the files the role's notify script writes (C(<run_dir>/<name>.state)); it is
    V(UNKNOWN) when keepalived is not running or has not reported a state yet.
  - Read-only; runs in check mode.
author: failover.shared_ip developers (@failover)
options:
  addresses:
    description:
      - The addresses to report, as the role configures them. Default the list the role writes to O(manifest).
    type: list
    elements: dict
    suboptions:
      name:
        description: VRRP instance name.
        type: str
        required: true
      address:
        description: The address, optionally with a prefix length.
        type: str
        required: true
      interface:
        description: Only look for the address on this interface. Default any interface.
        type: str
  manifest:
    description: File the role writes with its addresses and run directory.
    type: path
    default: /etc/keepalived/vip-status.json
  run_dir:
    description: Directory of the C(<name>.state) files. Default the one in O(manifest), else C(/run/keepalived-vip).
    type: path
  pid_file:
    description:
      - keepalived's PID file, to tell a running keepalived from stale state files.
      - Without it, any process named C(keepalived) counts.
    type: path
    default: /run/keepalived.pid
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  platform:
    platforms: linux
    details: Reads keepalived's state files and C(ip -json addr) on the member.
  check_mode:
    support: full
  diff_mode:
    support: none
requirements:
  - iproute2 (C(ip -json)) on the member
seealso:
  - name: The keepalived_vip role
    description: Configures the instances this module reports on.
    link: https://github.com/failover/shared_ip/blob/main/roles/keepalived_vip/README.md
"""

EXAMPLES = r"""
- name: Who holds what
  failover.shared_ip.vip_status:
  register: status

- name: Exactly one holder per address
  ansible.builtin.assert:
    that: >-
      ansible_play_hosts | map('extract', hostvars, ['status', 'vips']) | flatten
      | selectattr('name', 'equalto', item) | selectattr('held') | list | length == 1
  loop: "{{ status.vips | map(attribute='name') | list }}"
  run_once: true

- name: Report on addresses configured elsewhere
  failover.shared_ip.vip_status:
    addresses:
      - { name: web, address: 192.168.100.100, interface: eth1 }
"""

RETURN = r"""
vips:
  description: One entry per address, in the configured order.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: web, address: 192.168.100.100, held: true, state: MASTER, priority: 254}
    - {name: api6, address: "fd00:100::100", held: false, state: BACKUP, priority: 249}
  contains:
    name:
      description: VRRP instance name.
      type: str
      sample: web
    address:
      description: The address without prefix length.
      type: str
      sample: 192.168.100.100
    held:
      description: Whether the address is on an interface of this host now.
      type: bool
      sample: true
    state:
      description: keepalived's state for the instance.
      type: str
      choices: [MASTER, BACKUP, FAULT, UNKNOWN]
      sample: MASTER
    priority:
      description:
        - keepalived's effective priority for the instance (its planned priority with the tracked weights),
          as last reported on the role's notify FIFO (C(<name>.priority)).
        - V(null) when keepalived is not running or has not reported it yet.
      type: int
      sample: 254
keepalived_running:
  description: Whether the keepalived process named by O(pid_file) is alive.
  returned: always
  type: bool
  sample: true
"""

import ipaddress
import json
import os

from ansible.module_utils.basic import AnsibleModule

STATES = ("MASTER", "BACKUP", "FAULT")
DEFAULT_RUN_DIR = "/run/keepalived-vip"


def host_addresses(ip_json):
    """{(address, interface)} from the output of `ip -json addr show`."""
    found = set()
    for link in json.loads(ip_json or "[]"):
        for info in link.get("addr_info", []):
            if info.get("local"):
                found.add((str(ipaddress.ip_address(info["local"])), link.get("ifname")))
    return found


def keepalived_running(pid_file, proc="/proc"):
    """The PID file's process is alive; without a PID file, any process named keepalived."""
    try:
        with open(pid_file) as handle:
            return os.path.exists(os.path.join(proc, str(int(handle.read().strip()))))
    except (IOError, OSError, ValueError):
        pass
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, "comm")) as handle:
                if handle.read().strip() == "keepalived":
                    return True
        except (IOError, OSError):
            continue
    return False


def read_run_file(run_dir, name, kind, running):
    """The content of <run_dir>/<name>.<kind> that keepalived's scripts record; None if not running or absent."""
    if not running:
        return None
    try:
        with open(os.path.join(run_dir, "%s.%s" % (name, kind))) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return None


def read_state(run_dir, name, running):
    state = (read_run_file(run_dir, name, "state", running) or "").upper()
    return state if state in STATES else "UNKNOWN"


def read_priority(run_dir, name, running):
    value = read_run_file(run_dir, name, "priority", running)
    return int(value) if value and value.isdigit() else None


def report(addresses, present, run_dir, running):
    vips = []
    for entry in addresses:
        ip = str(ipaddress.ip_interface(entry["address"]).ip)
        interface = entry.get("interface")
        held = any(address == ip and (not interface or ifname == interface) for address, ifname in present)
        vips.append({"name": entry["name"], "address": ip, "held": held,
                     "state": read_state(run_dir, entry["name"], running),
                     "priority": read_priority(run_dir, entry["name"], running)})
    return vips


def load_manifest(module):
    path = module.params["manifest"]
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError) as error:
        if module.params["addresses"] is None:
            module.fail_json(msg="manifest: cannot read %s (%s); is the keepalived_vip role applied on this host, "
                                 "or pass addresses?" % (path, error))
        return {}
    except ValueError as error:
        module.fail_json(msg="manifest: %s is not valid JSON (%s)" % (path, error))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            addresses=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                address=dict(type="str", required=True),
                interface=dict(type="str"),
            )),
            manifest=dict(type="path", default="/etc/keepalived/vip-status.json"),
            run_dir=dict(type="path"),
            pid_file=dict(type="path", default="/run/keepalived.pid"),
        ),
        supports_check_mode=True,
    )
    manifest = load_manifest(module)
    addresses = module.params["addresses"]
    if addresses is None:
        addresses = manifest.get("addresses", [])
    for index, entry in enumerate(addresses):
        try:
            ipaddress.ip_interface(str(entry["address"]))
        except ValueError:
            module.fail_json(msg="addresses[%d].address: %r is not an IPv4 or IPv6 address" % (index, entry["address"]))
    run_dir = module.params["run_dir"] or manifest.get("run_dir") or DEFAULT_RUN_DIR
    rc, out, err = module.run_command([module.get_bin_path("ip", required=True), "-json", "addr", "show"])
    if rc != 0:
        module.fail_json(msg="ip -json addr show failed: %s" % err.strip(), rc=rc)
    running = keepalived_running(module.params["pid_file"])
    module.exit_json(changed=False, keepalived_running=running,
                     vips=report(addresses, host_addresses(out), run_dir, running))


if __name__ == "__main__":
    main()
