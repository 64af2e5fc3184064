#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: address
short_description: One shared IP on Rackspace Cloud Networks and its members
version_added: 0.1.0
description:
  - Creates a shared IP for two or more servers, converges its membership, or deletes it.
  - Membership changes follow the order the API requires. Servers leaving are disassociated first,
    then the port list is replaced, then servers joining are associated.
  - With O(associate=true) every member is also associated with the address. An address that is shared
    but not associated forwards no traffic.
  - Which member answers for the address is decided on the servers themselves (keepalived, see the role
    C(failover.shared_ip.keepalived_vip)).
  - An existing address is found by O(id), O(address) and O(name) (its label on the members), which must all
    point at the same shared IP, else as the one unnamed shared IP on O(network) whose ports are exactly the
    members.
  - An address never changes. A task whose O(name) names a shared IP with another address, whose O(address)
    belongs to a shared IP with another name, or whose O(id) and O(name) disagree is refused before any write,
    naming both sides. To move a name to another address, delete the shared IP and create it again.
  - A name belongs to one shared IP on a network. Before a name is given to an address (on create, or to an
    address found by O(id) or O(address)), one member of each other shared IP of the network is read, and a
    name found there is refused.
  - Every rule of the API that can be checked from what was read is checked before the first write, among
    them the port limit (counting each member port's own fixed addresses), PublicNet's quota and public IP
    zones, and a requested address that is a subnet's network, broadcast or gateway address or a member's
    own fixed address.
author: failover.shared_ip developers (@failover)
extends_documentation_fragment:
  - failover.shared_ip.connection
  - failover.shared_ip.connection.cloud_attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Runs the same plan as the real run on a copy of the state and makes no write call.
  diff_mode:
    support: full
    details: Shows the address, its name and each member's port and association before and after.
options:
  network:
    description:
      - The network of the address. V(public) (PublicNet), an isolated network's name label, or a network UUID.
      - ServiceNet (V(servicenet), its listed name V(private), or its UUID) is refused, the cloud allows no
        shared IPs there.
      - Required with O(state=present). With O(state=absent), O(id) may be given instead.
    type: str
  servers:
    description:
      - The member servers, by name (exact) or UUID. At least two. Their order does not matter.
      - Each must have exactly one port on O(network); use O(ports) otherwise.
      - Mutually exclusive with O(ports). One of them is required with O(state=present).
    type: list
    elements: str
  ports:
    description:
      - The member ports, by UUID, instead of O(servers).
    type: list
    elements: str
  version:
    description:
      - The IP version of a new address. Defaults to the version of O(address), else V(4).
      - For an existing address it must match, if given.
    type: int
    choices: [4, 6]
  address:
    description:
      - Ask for this specific address when creating (isolated networks only), and find the existing
        address by it.
      - It must lie in the network's subnet of O(version).
    type: str
  name:
    description:
      - A label that names the address, stored as server metadata C(failover-shared-ip:<name>) on every
        member (value the address id).
      - Lets a cluster hold several shared IPs on the same servers while each keeps its identity across runs,
        also when its members change. Use it whenever members may change.
    type: str
  id:
    description:
      - The UUID of an existing address. With O(state=present), an unknown id is an error.
    type: str
  associate:
    description:
      - Associate every member with the address (the compute side of sharing).
      - With V(false), associations of remaining members are left as they are; leaving members are always
        disassociated, since the API requires it.
    type: bool
    default: true
  state:
    description:
      - V(present) creates the address or converges its membership; V(absent) disassociates every member and
        deletes it. Absent when already absent is no change.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: failover.shared_ip.cluster
  - module: failover.shared_ip.binding
  - module: failover.shared_ip.address_info
  - module: failover.shared_ip.auth
notes:
  - Reads are targeted and never grow with the rest of the account. A no-op run makes 4 read calls in two
    rounds of calls made side by side (the network and the members; the members' ports and the network's
    shared IPs), plus the identity call unless O(auth_token) is given. Associations of one address run in
    parallel (at most 8 at a time).
  - Whether a member is associated is known from the cloud's internal view where it answers, else from this
    collection's own record in the member's metadata (C(failover-shared-ip-associated:<id>)), written only
    after the association succeeded and removed when it is undone. The view is asked only where a member
    lacks that record. A member without either is associated again; the cloud's answer that the
    association exists counts as done and as no change.
  - Use M(failover.shared_ip.cluster) to declare every shared IP of a cluster in one task.
  - When a call fails half-way, the module fails with what was done and what was not; running it again
    converges from there. A create whose answer was lost is looked up before it is ever sent again.
"""

EXAMPLES = r"""
- name: Authenticate once for the whole play
  failover.shared_ip.auth:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
  register: cloud_auth
  no_log: true

- name: Every cloud task of the block uses that login (set once, for the action group)
  module_defaults:
    group/failover.shared_ip.cloud: "{{ cloud_auth.auth }}"
  block:
    - name: Create a shared IP for two servers (the cloud picks the address)
      failover.shared_ip.address:
        network: cluster-net
        name: web
        servers: [node01, node02]
      register: web_vip

    - name: Grow it to three members (node03 joins and is associated)
      failover.shared_ip.address:
        network: cluster-net
        name: web
        servers: [node01, node02, node03]

    - name: Shrink it (node01 is disassociated, then its port is removed)
      failover.shared_ip.address:
        network: cluster-net
        name: web
        servers: [node02, node03]

    - name: Ask for a specific IPv6 address
      failover.shared_ip.address:
        network: cluster-net
        name: web6
        version: 6
        address: fd00:100::80
        servers: [node02, node03]

    - name: A public shared IP (members in one public IP zone)
      failover.shared_ip.address:
        network: public
        name: www
        servers: [node02, node03]

    - name: Delete it
      failover.shared_ip.address:
        network: cluster-net
        name: web
        state: absent
"""

RETURN = r"""
shared_ip:
  description:
    - The shared IP after the run (in check mode, as the real run would leave it). Empty after O(state=absent).
  returned: always
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
      - {id: 0f6c3b8e-8d1f-5f3a-9a57-2f0c1d9e7b11, name: node01, port_id: 9c1d2e3f-4a5b-5c6d-8e7f-0a1b2c3d4e5f, associated: true}
      - {id: 7b2e4c9a-1d3f-5e6a-8b7c-9d0e1f2a3b4c, name: node02, port_id: 1a2b3c4d-5e6f-5a7b-8c9d-0e1f2a3b4c5d, associated: true}
  contains:
    id:
      description: The address UUID. V(null) in check mode when it would be created.
      type: str
      returned: success
      sample: 6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11
    address:
      description: The IP address. V(null) in check mode when the cloud would pick it.
      type: str
      returned: success
      sample: 192.168.100.100
    network_id:
      description: The network UUID.
      type: str
      returned: success
      sample: 4c7e3f44-2b1e-4a55-9d36-4f0e3b6f1a01
    version:
      description: The IP version.
      type: int
      returned: success
      sample: 4
    type:
      description: V(shared) once the address is on two ports or more.
      type: str
      returned: success
      sample: shared
    subnet_id:
      description: The subnet the address was taken from.
      type: str
      returned: success
      sample: 2b0e2a1a-7d55-4b8e-8f0e-0b1f2f3c4d5e
    name:
      description: The name label found on the members, or V(null).
      type: str
      returned: success
      sample: web
    members:
      description: The members, sorted by server name.
      type: list
      elements: dict
      returned: success
      contains:
        id:
          description: The server UUID.
          type: str
          returned: success
          sample: 0b5c2a9e-1d2f-4e3a-8b7c-6d5e4f3a2b11
        name:
          description: The server name.
          type: str
          returned: success
          sample: web01
        port_id:
          description: The server's port that holds the address.
          type: str
          returned: success
          sample: 8d2f4c6e-3a1b-4c5d-9e8f-7a6b5c4d3e21
        associated:
          description:
            - Whether the server is associated (the port's service is C(compute)).
            - V(null) when the cloud does not tell (its internal view is hidden) and this collection holds no
              record of an association it made.
          type: bool
          returned: success
          sample: true
actions:
  description: The steps taken (in check mode, the steps the real run would take), in order.
  returned: always
  type: list
  elements: str
  sample: ["set ports to web01, web02, web03", "associate web03", "label web03 failover-shared-ip:web"]
failure:
  description: The failed call, when the cloud refused one.
  returned: failure
  type: dict
  sample: {"call": "PUT /v2.0/ip_addresses/6a0e...", "status": 409, "type": "OverQuota", "message": "..."}
done:
  description: After a failure half-way, the steps that were done.
  returned: failure
  type: list
  elements: str
  sample: ["associate web01"]
not_done:
  description: After a failure half-way, the steps that failed or were not tried.
  returned: failure
  type: list
  elements: str
  sample: ["associate web02", "label web01 failover-shared-ip:web"]
"""

from ansible_collections.failover.shared_ip.plugins.module_utils._module import CloudModule
from ansible_collections.failover.shared_ip.plugins.module_utils._address import run


def main():
    module = CloudModule(
        argument_spec=dict(
            network=dict(type="str"),
            servers=dict(type="list", elements="str"),
            ports=dict(type="list", elements="str"),
            version=dict(type="int", choices=[4, 6]),
            address=dict(type="str"),
            name=dict(type="str"),
            id=dict(type="str"),
            associate=dict(type="bool", default=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        mutually_exclusive=[["servers", "ports"]],
        required_if=[("state", "present", ["network"]),
                     ("state", "present", ["servers", "ports"], True),
                     ("state", "absent", ["id", "address", "name", "servers", "ports"], True)],
        required_one_of=[["network", "id"]],
    )
    module.guard(run, module)


if __name__ == "__main__":
    main()
