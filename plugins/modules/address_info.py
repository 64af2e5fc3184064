#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: address_info
short_description: List shared IPs with their members, bindings and names
version_added: 0.1.0
description:
  - Lists the account's shared IPs in the region, each with its members, whether each member is associated
    (the port's C(service)), and the name label found on the members.
  - Only shared IPs are listed (C(type=shared)). O(id) finds any address.
  - Reads are filtered by every option given. With O(name) alone, the holders of the account's shared IPs
    are read to find the label.
  - Whether a member is associated comes from the cloud's internal view where it answers, else from this
    collection's records (see M(failover.shared_ip.address)); V(null) when neither tells.
author: failover.shared_ip developers (@failover)
extends_documentation_fragment:
  - failover.shared_ip.connection
  - failover.shared_ip.connection.cloud_attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: It only reads.
  diff_mode:
    support: none
options:
  network:
    description:
      - Only addresses on this network. V(public), an isolated network's name label, or a network UUID.
    type: str
  server:
    description:
      - Only addresses that this server (name or UUID) is a member of.
    type: str
  address:
    description:
      - Only the shared IP with this address.
    type: str
  name:
    description:
      - Only the shared IP with this name label.
    type: str
  id:
    description:
      - Only the shared IP with this UUID.
    type: str
seealso:
  - module: failover.shared_ip.address
"""

EXAMPLES = r"""
- name: Every shared IP of the cluster network
  failover.shared_ip.address_info:
    network: cluster-net
  register: found

- name: Show who is associated with each
  ansible.builtin.debug:
    msg: "{{ item.address }}: {{ item.members | selectattr('associated') | map(attribute='name') | list }}"
  loop: "{{ found.shared_ips }}"

- name: The shared IP named web
  failover.shared_ip.address_info:
    name: web
  register: web
"""

RETURN = r"""
shared_ips:
  description:
    - The shared IPs found, sorted by address, each in the shape of
      RV(failover.shared_ip.address#module:shared_ip).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11
      address: 192.168.100.100
      network_id: 4c7e3f44-2b1e-4a55-9d36-4f0e3b6f1a01
      version: 4
      type: shared
      subnet_id: 2b0e2a1a-7d55-4b8e-8f0e-0b1f2f3c4d5e
      name: web
      members:
        - {id: 0b5c2a9e-1d2f-4e3a-8b7c-6d5e4f3a2b11, name: web01,
           port_id: 8d2f4c6e-3a1b-4c5d-9e8f-7a6b5c4d3e21, associated: true}
        - {id: 1c6d3b0f-2e3a-4f4b-9c8d-7e6f5a4b3c22, name: web02,
           port_id: 9e3a5d7f-4b2c-4d6e-8f9a-8b7c6d5e4f32, associated: false}
failure:
  description: The failed call, when the cloud refused one.
  returned: failure
  type: dict
  sample: {"call": "GET /v2.0/networks", "status": 503, "type": "ServiceUnavailable", "message": "..."}
"""

from ansible_collections.failover.shared_ip.plugins.module_utils._module import CloudModule
from ansible_collections.failover.shared_ip.plugins.module_utils._address_info import run


def main():
    module = CloudModule(
        argument_spec=dict(
            network=dict(type="str"),
            server=dict(type="str"),
            address=dict(type="str"),
            name=dict(type="str"),
            id=dict(type="str"),
        ),
        result_key="shared_ips",
    )
    module.guard(run, module)


if __name__ == "__main__":
    main()
