# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Mirrors CONNECTION_SPEC in plugins/module_utils/_module.py.
    DOCUMENTATION = r"""
options:
  username:
    description:
      - The cloud account's user name.
      - Used with O(api_key) (the automation path) or O(password).
      - If not set, the environment variable E(RAX_USERNAME) is used, then the O(credentials) file.
    type: str
  api_key:
    description:
      - The API key of O(username).
      - If neither this nor O(password) is set, the environment variable E(RAX_API_KEY) is used, then the
        O(credentials) file.
      - Mutually exclusive with O(password).
    type: str
  password:
    description:
      - The password of O(username). Accounts with multi-factor login cannot use it; use O(api_key).
    type: str
  auth_token:
    description:
      - A token that is already valid, as returned in RV(failover.shared_ip.auth#module:auth_token).
      - Skips the identity call. Needs O(network_url) and O(compute_url), since a ready token comes without a service catalog.
      - When credentials are set as well, they are used to get a new token if this one has expired.
    type: str
  tenant_id:
    description:
      - The account (tenant) number. Learned from the identity service when credentials are used.
    type: str
  credentials:
    description:
      - A pyrax credentials file (INI) with a C([rackspace_cloud]) section holding C(username), C(api_key)
        and optionally C(region).
      - If not set, the environment variable E(RAX_CREDENTIALS) or E(RAX_CREDS_FILE) is used.
      - Options given explicitly win over the file's values.
    type: path
    aliases: [creds_file]
  region:
    description:
      - The region whose endpoints are used, for example V(DFW), V(ORD), V(IAD), V(LON).
      - If not set, the environment variable E(RAX_REGION) is used, then the account's default region.
    type: str
  identity_url:
    description:
      - The identity (v2.0) endpoint, an C(https://) (or C(http://)) URL.
    type: str
    default: https://identity.api.rackspacecloud.com/v2.0
    aliases: [auth_endpoint]
  network_url:
    description:
      - The network endpoint, ending in C(/v2.0). Found in the service catalog when not set.
      - May hold C({region}) and C({tenant_id}).
    type: str
  compute_url:
    description:
      - The compute endpoint, ending in C(/v2/<tenant>). Found in the service catalog when not set.
      - May hold C({region}) and C({tenant_id}).
    type: str
  validate_certs:
    description:
      - Whether TLS certificates of the endpoints are verified. Only turn it off against a test endpoint.
    type: bool
    default: true
    aliases: [verify_ssl]
  ca_path:
    description:
      - A CA bundle file to verify the endpoints' certificates with.
    type: path
  timeout:
    description:
      - Seconds to wait for one answer, more than 0. Calls that fail with 413, 429, 5xx or a lost connection are retried
        with backoff (honouring C(Retry-After)); a create whose answer was lost is looked up, never repeated blindly.
        A refused connection or a host name that does not resolve is not retried, the task fails at once naming the URL.
    type: int
    default: 30
requirements:
  - requests
notes:
  - All modules of this collection that talk to the cloud are in the action group C(failover.shared_ip.cloud),
    so that connection options can be set once with C(module_defaults).
"""

    # What every module of the action group `cloud` shares: used as
    # failover.shared_ip.connection.cloud_attributes, beside
    # ansible.builtin.action_common_attributes (the descriptions) and its actiongroups.
    CLOUD_ATTRIBUTES = r"""
attributes:
  platform:
    platforms: all
    details: Runs on the controller (or any host that reaches the cloud API); it only makes HTTP calls.
  action_group:
    support: full
    membership:
      - failover.shared_ip.cloud
"""
