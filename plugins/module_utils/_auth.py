# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The auth module: log in once and return the token and the endpoints, for later tasks."""


def run(module):
    client = module.client(auth_token=None, network_url=None, compute_url=None).authenticate()
    result = dict(auth_token=client.token, tenant_id=client.tenant_id, region=client.region,
                  network_url=client.network_url, compute_url=client.compute_url)
    module.report(auth=result, expires=client.expires, **result)
