#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: binding
short_description: One server's binding to an existing shared IP
version_added: 0.1.0
description:
  - Adds one server's port to an existing shared IP and associates the server (O(state=present)), or
    disassociates it and removes its port (O(state=absent)).
  - Made for rolling plays where every host runs it for itself, at the same moment, against the same
    address. The API replaces the whole port list on each write, so the module reads, writes, reads back,
    and tries again after a random pause until the result holds (bounded by O(attempts)).
  - The address itself is created and deleted with M(failover.shared_ip.address).
author: failover.shared_ip developers (@failover)
extends_documentation_fragment:
  - failover.shared_ip.connection
  - failover.shared_ip.connection.cloud_attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Plans from the current state, applies the plan to a copy, and makes no write call.
  diff_mode:
    support: full
    details: Shows each member's port and association before and after.
options:
  server:
    description:
      - The server to bind, by name (exact) or UUID. It must have exactly one port on the address's network.
    type: str
    required: true
  id:
    description:
      - The UUID of the shared IP.
    type: str
  address:
    description:
      - The shared IP's address, when O(id) is not given.
    type: str
  name:
    description:
      - The shared IP's name label (see O(failover.shared_ip.address#module:name)),
        when neither O(id) nor O(address) is given.
      - The server gets the label too when it joins, and loses it when it leaves.
    type: str
  associate:
    description:
      - Also associate the server with the address, so that it forwards traffic to it.
    type: bool
    default: true
  state:
    description:
      - V(present) binds the server, V(absent) unbinds it.
      - The API keeps at least one port on an address. The last member's port stays, disassociated, with its
        name label (a server that leaves puts the label back on the last member when that member had lost it);
        delete the address with M(failover.shared_ip.address) instead.
    type: str
    choices: [present, absent]
    default: present
  attempts:
    description:
      - How many read-write-read rounds to try when other hosts change the same address at the same time.
        At least 1.
    type: int
    default: 20
seealso:
  - module: failover.shared_ip.address
notes:
  - Found by the same rules as M(failover.shared_ip.address). O(id), O(address) and O(name) must point at the
    same shared IP. By O(name), the server's own label is read first. A server that carries none yet finds the
    label on one holder of each of the account's shared IPs (never its fixed addresses), or on a second one where
    the first carries no label.
  - A name belongs to one shared IP. Giving O(name) to an address that carries another name, or that the
    name does not label while another shared IP of the network carries it, is refused naming both.
  - Before any write, joining is refused when the server's port is at its address limit (its own fixed
    addresses count) or, on PublicNet, when the server is in another public IP zone than the members.
  - A lost race is read again and retried after a pause with backoff and jitter, for at most O(attempts)
    rounds. It is recognised by the cloud's status and message, which the real cloud sends without an error
    type.
  - A no-op run makes 7 read calls (the server, the address, its holders and their servers, the server's port)
    plus the identity call unless O(auth_token) is given. None grows with the rest of the account.
"""

EXAMPLES = r"""
- name: The shared IP web on the web servers (see failover.shared_ip.address)
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/failover.shared_ip.cloud:
      username: "{{ rax_username }}"
      api_key: "{{ rax_api_key }}"
      region: DFW
  tasks:
    - name: Declare it
      failover.shared_ip.address:
        network: cluster-net
        name: web
        address: 192.168.100.100
        servers: "{{ groups['web'] }}"

- name: Take each host out of the shared IP for its maintenance, one at a time
  hosts: web
  serial: 1
  module_defaults:
    group/failover.shared_ip.cloud:
      username: "{{ rax_username }}"
      api_key: "{{ rax_api_key }}"
      region: DFW
  tasks:
    - name: Unbind
      failover.shared_ip.binding:
        name: web
        server: "{{ inventory_hostname }}"
        state: absent
      delegate_to: localhost

    - name: Upgrade (the host can no longer receive web's traffic)
      ansible.builtin.apt:
        upgrade: safe

    - name: Bind again
      failover.shared_ip.binding:
        name: web
        server: "{{ inventory_hostname }}"
      delegate_to: localhost

- name: Every host binds itself at once (credentials from RAX_USERNAME, RAX_API_KEY and RAX_REGION)
  hosts: web
  gather_facts: false
  tasks:
    - name: Bind
      failover.shared_ip.binding:
        address: 192.168.100.100
        server: "{{ inventory_hostname }}"
      delegate_to: localhost
"""

RETURN = r"""
shared_ip:
  description:
    - The shared IP after the run, in the shape M(failover.shared_ip.address) returns.
  returned: success
  type: dict
  sample:
    id: 6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11
    address: 192.168.100.100
    network_id: 4c7e3f44-2b1e-4a55-9d36-4f0e3b6f1a01
    version: 4
    type: shared
    subnet_id: 2b0e2a1a-7d55-4b8e-8f0e-0b1f2f3c4d5e
    name: web
    members:
      - {id: 0b5c2a9e-1d2f-4e3a-8b7c-6d5e4f3a2b11, name: web01, port_id: 8d2f4c6e-3a1b-4c5d-9e8f-7a6b5c4d3e21,
         associated: true}
actions:
  description: The steps taken (in check mode, that would be taken).
  returned: always
  type: list
  elements: str
  sample: ["set ports to web01, web02, web03", "associate web03", "label web03 failover-shared-ip:web"]
attempts:
  description: How many read-write-read rounds the run needed (1 when nobody else wrote meanwhile).
  returned: success
  type: int
  sample: 1
failure:
  description: The failed call, when the cloud refused one.
  returned: failure
  type: dict
  sample: {"call": "PUT /v2/123456/servers/0b5c.../ip_associations/6a0e...", "status": 404,
           "type": "itemNotFound", "message": "..."}
"""

from ansible_collections.failover.shared_ip.plugins.module_utils._module import CloudModule
from ansible_collections.failover.shared_ip.plugins.module_utils._binding import run


def main():
    module = CloudModule(
        argument_spec=dict(
            server=dict(type="str", required=True),
            id=dict(type="str"),
            address=dict(type="str"),
            name=dict(type="str"),
            associate=dict(type="bool", default=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            attempts=dict(type="int", default=20),
        ),
        required_one_of=[["id", "address", "name"]],
    )
    module.guard(run, module)


if __name__ == "__main__":
    main()
