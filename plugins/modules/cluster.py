#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cluster
short_description: Every shared IP of one cluster on one network, in one task
version_added: 0.2.0
description:
  - Declares all the shared IPs of a cluster at once. The members are O(servers); every item of O(addresses)
    is one shared IP, found by its O(addresses[].name) label (and its O(addresses[].address) when given),
    created when missing, and converged to its members.
  - Reads once for the whole cluster, with calls whose size does not grow with the rest of the account, then
    decides every change before the first write. Every refusal of every item (identity, quotas, port limits,
    addresses) stops the task before anything is written.
  - The shared IPs are converged side by side. For each one, servers leaving are disassociated, then the port
    list is replaced, then servers joining are associated and labelled, in the order the API requires.
  - Returns RV(keepalived_vip_addresses) in exactly the shape the role variable C(keepalived_vip_addresses)
    of C(failover.shared_ip.keepalived_vip) takes, so a play passes it on as it is.
  - Identity follows the same rules as M(failover.shared_ip.address). An address never changes. A name that
    already names a shared IP with another address is refused, as is an address that belongs to another name.
author: failover.shared_ip developers (@failover)
extends_documentation_fragment:
  - failover.shared_ip.connection
  - failover.shared_ip.connection.cloud_attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Decides the same steps as the real run and applies them to a copy of the state; no write call.
  diff_mode:
    support: full
    details: Shows each shared IP's address, name and members (port, association) before and after.
options:
  network:
    description:
      - The network of every shared IP of the cluster. V(public) (PublicNet), an isolated network's name label,
        or a network UUID.
      - ServiceNet (V(servicenet), V(private) or its UUID) is refused, the cloud allows no shared IPs there.
    type: str
    required: true
  servers:
    description:
      - The cluster's members, by name (exact) or UUID. At least two. Each must have exactly one port on
        O(network).
    type: list
    elements: str
    required: true
  addresses:
    description:
      - The shared IPs of the cluster, one item each.
      - Names and addresses must be distinct.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The name label of the shared IP, stored on every member that holds it as server metadata
            C(failover-shared-ip:<name>) (value the address id).
          - Also names the VRRP instance in RV(keepalived_vip_addresses); use letters, digits, C(_ . -).
        type: str
        required: true
      address:
        description:
          - Ask for this specific address when the shared IP is created (isolated networks only). It must lie
            in the network's subnet of its version and be neither a subnet's network, broadcast or gateway
            address nor a member's own fixed address.
          - For an existing shared IP it must be its address. An address never changes; to move to another,
            delete the shared IP and create it again.
        type: str
      version:
        description:
          - The IP version of a new shared IP. Defaults to the version of O(addresses[].address), else V(4).
        type: int
        choices: [4, 6]
      servers:
        description:
          - The members that hold this shared IP, a subset of O(servers) (at least two). Default all of O(servers).
        type: list
        elements: str
      associate:
        description:
          - Associate every member that holds it (the compute side of sharing). An address that is shared but
            not associated forwards no traffic.
        type: bool
        default: true
      preferred:
        description:
          - The members that should hold the address, best first, passed on in RV(keepalived_vip_addresses)
            for the role (its inventory host names, so name the servers as the inventory does).
          - Each must be one of this address's servers. It changes nothing in the cloud.
        type: list
        elements: str
      router_id:
        description:
          - For the role, passed on unchanged in RV(keepalived_vip_addresses). VRRP router id (1..255); default
            derived from the name, unique per interface.
          - This and the settings below are the per-address settings of the role failover.shared_ip.keepalived_vip
            (an item of its C(keepalived_vip_addresses)). The module checks their types against the role's spec
            before any call and changes nothing in the cloud for them.
        type: int
      interface:
        description: For the role. Interface of this address; default the role's C(keepalived_vip_interface).
        type: str
      track:
        description: For the role. Names of the role's C(keepalived_vip_checks) this address depends on.
        type: list
        elements: str
      advert_int:
        description: For the role. Overrides the role's C(keepalived_vip_advert_int).
        type: float
      vrrp_version:
        description: For the role. Overrides the role's C(keepalived_vip_vrrp_version).
        type: int
        choices: [2, 3]
      auth_pass:
        description:
          - For the role. Overrides the role's C(keepalived_vip_auth_pass).
          - A secret. Masked in the task's invocation and in failures, but passed on as given in
            RV(keepalived_vip_addresses), where the role needs it; set C(no_log) on the task when you use it.
        type: str
      preempt:
        description: For the role. Overrides the role's C(keepalived_vip_preempt).
        type: bool
      preempt_delay:
        description: For the role. Overrides the role's C(keepalived_vip_preempt_delay).
        type: int
      garp_master_delay:
        description: For the role. Per-instance C(garp_master_delay).
        type: int
      garp_master_repeat:
        description: For the role. Per-instance C(garp_master_repeat).
        type: int
      garp_master_refresh:
        description: For the role. Per-instance C(garp_master_refresh).
        type: int
      garp_master_refresh_repeat:
        description: For the role. Per-instance C(garp_master_refresh_repeat).
        type: int
      notify_script:
        description: For the role. Overrides the role's C(keepalived_vip_notify_script).
        type: str
      instance_extra:
        description: For the role. Overrides the role's C(keepalived_vip_instance_extra).
        type: list
        elements: str
  exclusive:
    description:
      - Also delete the shared IPs of this cluster that are no longer listed. Such a shared IP is on O(network),
        every port that holds it belongs to one of O(servers), and its name label on those members is not among
        the names of O(addresses).
      - With V(false) (the default), shared IPs that are not listed are left alone.
    type: bool
    default: false
seealso:
  - module: failover.shared_ip.address
  - module: failover.shared_ip.address_info
  - module: failover.shared_ip.auth
notes:
  - A no-op run reads in two rounds of calls made side by side (the network and the members; their ports,
    the network's shared IPs and subnets), plus the identity call unless O(auth_token) is given. Holders that
    are not members, and the cloud's internal view where a member lacks this collection's record, take a
    third round. The count grows with the members and the shared IPs of the cluster, never with the rest of
    the account.
  - Whether a member is associated is known from the cloud's internal view where it answers, else from this
    collection's own record in the member's metadata (C(failover-shared-ip-associated:<id>)), written only
    after the association succeeded. The view is asked only where a member lacks that record. A member
    without either is associated again; the cloud's answer that the association exists counts as done and
    as no change.
  - When a call fails half-way, the module fails with what was done and what was not; running it again
    converges from there.
"""

EXAMPLES = r"""
# A port on an isolated network carries at most 5 addresses, its server's own fixed IPv4 and IPv6
# addresses included: 3 shared IPs per member here.
- name: Declare the cluster's shared IPs
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/failover.shared_ip.cloud:
      username: "{{ rax_username }}"
      api_key: "{{ rax_api_key }}"
      region: DFW
  tasks:
    - name: Create them (web and web6 on every member, admin on two)
      failover.shared_ip.cluster:
        network: cluster-net
        servers: [node01, node02, node03]
        addresses:
          - name: web
            preferred: [node01, node02]
            track: [web_health]          # the role's setting, passed on unchanged
          - name: web6
            version: 6
          - name: admin
            address: 192.168.100.101
            servers: [node02, node03]
            preferred: [node03]
      register: vips

- name: Give the addresses to the members (keepalived_vip_interface set in the inventory)
  hosts: cluster
  become: true
  roles:
    - role: failover.shared_ip.keepalived_vip
      vars:
        keepalived_vip_addresses: "{{ hostvars['localhost'].vips.keepalived_vip_addresses }}"
        keepalived_vip_checks:           # web moves away from a member while /run/web-down exists there
          - {name: web_health, type: script, script: /usr/bin/test ! -e /run/web-down}

- name: Change the cluster later
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/failover.shared_ip.cloud:
      username: "{{ rax_username }}"
      api_key: "{{ rax_api_key }}"
      region: DFW
  tasks:
    - name: Grow it (node04 joins every shared IP that lists no servers of its own)
      failover.shared_ip.cluster:
        network: cluster-net
        servers: [node01, node02, node03, node04]
        addresses:
          - {name: web, preferred: [node01, node02], track: [web_health]}
          - {name: web6, version: 6}
          - {name: admin, address: 192.168.100.101, servers: [node02, node03], preferred: [node03]}

    - name: Shrink it (node01 is disassociated, then its port leaves every shared IP)
      failover.shared_ip.cluster:
        network: cluster-net
        servers: [node02, node03, node04]
        addresses:
          - {name: web, track: [web_health]}
          - {name: web6, version: 6}
          - {name: admin, address: 192.168.100.101, servers: [node02, node03]}

    - name: Keep only web and admin; delete web6, which is no longer listed
      failover.shared_ip.cluster:
        network: cluster-net
        servers: [node02, node03, node04]
        exclusive: true
        addresses:
          - {name: web, track: [web_health]}
          - {name: admin, address: 192.168.100.101, servers: [node02, node03]}
"""

RETURN = r"""
keepalived_vip_addresses:
  description:
    - The shared IPs in the order of O(addresses), in exactly the shape of the role variable
      C(keepalived_vip_addresses) of C(failover.shared_ip.keepalived_vip). C(name), C(address) with the prefix
      length of its subnet, C(preferred) when O(addresses[].preferred) was given, and the role's own settings
      of the item (O(addresses[].router_id), O(addresses[].track), ...) as given.
    - In check mode, an address that the cloud will pick when the real run creates it is not known yet. Its
      item is left out (keepalived has nothing to configure for it yet) and RV(pending) names it.
  returned: success
  type: list
  elements: dict
  sample:
    - {name: web, address: 192.168.100.100/24, preferred: [node01, node02], track: [http]}
    - {name: api, address: 192.168.100.101/24, router_id: 51}
    - {name: web6, address: "fd00:100::100/64"}
  contains:
    name:
      description: The name of the shared IP (O(addresses[].name)).
      type: str
      returned: success
      sample: web
    address:
      description: The address with the prefix length of its subnet.
      type: str
      returned: success
      sample: 192.168.100.100/24
    preferred:
      description: O(addresses[].preferred), when given.
      type: list
      elements: str
      returned: when given
      sample: [node01, node02]
pending:
  description:
    - The items of O(addresses) left out of RV(keepalived_vip_addresses) in check mode because the cloud picks
      their address when the real run creates them, each with the reason. Always empty after a real run.
  returned: success
  type: list
  elements: dict
  sample: [{name: web, reason: "check mode: the cloud picks this address when the real run creates it, ..."}]
  contains:
    name:
      description: The name of the item (O(addresses[].name)).
      type: str
      returned: success
      sample: web
    reason:
      description: Why it is left out.
      type: str
      returned: success
      sample: "check mode: the cloud picks this address when the real run creates it, ..."
shared_ips:
  description:
    - Every listed shared IP after the run (in check mode, as the real run would leave it), in the order of
      O(addresses), each in the shape of RV(failover.shared_ip.address#module:shared_ip).
  returned: success
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
        - {id: 0f6c3b8e-8d1f-5f3a-9a57-2f0c1d9e7b11, name: node01, port_id: 9c1d2e3f-4a5b-5c6d-8e7f-0a1b2c3d4e5f,
           associated: true}
        - {id: 7b2e4c9a-1d3f-5e6a-8b7c-9d0e1f2a3b4c, name: node02, port_id: 1a2b3c4d-5e6f-5a7b-8c9d-0e1f2a3b4c5d,
           associated: true}
deleted:
  description: The names (or ids, when unnamed) of the shared IPs that O(exclusive=true) deleted or would delete.
  returned: success
  type: list
  elements: str
  sample: [admin, web6]
actions:
  description: The steps taken (in check mode, the steps the real run would take), each after the name of its shared IP.
  returned: always
  type: list
  elements: str
  sample: ["web: set ports to node01, node02, node03, node04", "web: associate node04",
           "web: label node04 failover-shared-ip:web"]
failure:
  description: The failed call, when the cloud refused one.
  returned: failure
  type: dict
  sample: {"call": "PUT /v2.0/ip_addresses/6a0e...", "status": 409, "type": "Conflict", "message": "..."}
done:
  description: After a failure half-way, the steps that were done.
  returned: failure
  type: list
  elements: str
  sample: ["associate node01"]
not_done:
  description: After a failure half-way, the steps that failed or were not tried.
  returned: failure
  type: list
  elements: str
  sample: ["associate node02", "label node01 failover-shared-ip:web"]
"""

from ansible_collections.failover.shared_ip.plugins.module_utils._module import CloudModule
from ansible_collections.failover.shared_ip.plugins.module_utils._cluster import run


def main():
    module = CloudModule(
        argument_spec=dict(
            network=dict(type="str", required=True),
            servers=dict(type="list", elements="str", required=True),
            # Each item is checked by the module (_cluster.check_item) so that a refusal names it:
            # addresses[i].setting.
            addresses=dict(type="list", elements="dict", required=True),
            exclusive=dict(type="bool", default=False),
        ),
        result_key="shared_ips",
    )
    module.guard(run, module)


if __name__ == "__main__":
    main()
