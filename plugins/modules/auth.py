#!/usr/bin/python
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: auth
short_description: Authenticate once and hand the token to the other modules
version_added: 0.1.0
description:
  - Calls the identity service once and returns the token and the endpoints of the region, named exactly as
    the connection options of this collection.
  - Feed RV(auth) to C(module_defaults) for the group C(failover.shared_ip.cloud), and every later task skips
    the identity call.
  - "The result holds a secret (the token): register it with C(no_log: true)."
author: failover.shared_ip developers (@failover)
extends_documentation_fragment:
  - failover.shared_ip.connection
  - failover.shared_ip.connection.cloud_attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Authenticates in check mode too; it changes nothing.
  diff_mode:
    support: none
notes:
  - This module ignores O(auth_token) and always asks for a new token with the credentials.
  - Tokens last about 24 hours. When the credentials are also available to the later tasks (environment
    variables or module defaults), they renew an expired token by themselves.
seealso:
  - module: failover.shared_ip.address
  - module: failover.shared_ip.binding
"""

EXAMPLES = r"""
- name: Log in once (credentials from RAX_USERNAME, RAX_API_KEY and RAX_REGION)
  failover.shared_ip.auth:
  register: cloud_login
  no_log: true  # the result holds the token

- name: Every cloud task of the block uses the token
  module_defaults:
    group/failover.shared_ip.cloud: "{{ cloud_login.auth }}"
  block:
    - name: Declare the shared IP
      failover.shared_ip.address:
        network: cluster-net
        name: web
        servers: [node01, node02]

    - name: List the shared IPs of the network
      failover.shared_ip.address_info:
        network: cluster-net
      register: shared_ips

- name: With explicit credentials and region
  failover.shared_ip.auth:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: ORD
  register: cloud_login_ord
  no_log: true
"""

RETURN = r"""
auth:
  description:
    - The connection options to pass on, ready for C(module_defaults). Holds the token.
  returned: success
  type: dict
  contains:
    auth_token:
      description: The token.
      type: str
      returned: success
      sample: 9f1c0d1e2b3a4c5d6e7f8091a2b3c4d5
    tenant_id:
      description: The account (tenant) number.
      type: str
      returned: success
      sample: "123456"
    region:
      description: The region whose endpoints were picked.
      type: str
      returned: success
      sample: DFW
    network_url:
      description: The network endpoint of the region.
      type: str
      returned: success
      sample: https://dfw.networks.api.rackspacecloud.com/v2.0
    compute_url:
      description: The compute endpoint of the region.
      type: str
      returned: success
      sample: https://dfw.servers.api.rackspacecloud.com/v2/123456
  sample:
    auth_token: 9f1c0d1e2b3a4c5d6e7f8091a2b3c4d5
    tenant_id: "123456"
    region: DFW
    network_url: https://dfw.networks.api.rackspacecloud.com/v2.0
    compute_url: https://dfw.servers.api.rackspacecloud.com/v2/123456
auth_token:
  description: The token, as in RV(auth.auth_token).
  returned: success
  type: str
  sample: 9f1c0d1e2b3a4c5d6e7f8091a2b3c4d5
tenant_id:
  description: The account (tenant) number.
  returned: success
  type: str
  sample: "123456"
region:
  description: The region whose endpoints were picked.
  returned: success
  type: str
  sample: DFW
network_url:
  description: The network endpoint of the region.
  returned: success
  type: str
  sample: https://dfw.networks.api.rackspacecloud.com/v2.0
compute_url:
  description: The compute endpoint of the region.
  returned: success
  type: str
  sample: https://dfw.servers.api.rackspacecloud.com/v2/123456
expires:
  description: When the token expires (ISO 8601, as the identity service says).
  returned: success
  type: str
  sample: "2026-11-26T20:03:21.000Z"
failure:
  description: The failed call, when the identity service refused the credentials.
  returned: failure
  type: dict
  sample: {"call": "POST /v2.0/tokens", "status": 401, "type": "unauthorized", "message": "..."}
"""

from ansible_collections.failover.shared_ip.plugins.module_utils._module import CloudModule
from ansible_collections.failover.shared_ip.plugins.module_utils._auth import run


def main():
    module = CloudModule(argument_spec={}, result_key="auth")
    module.guard(run, module)


if __name__ == "__main__":
    main()
