# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identity v2.0: credentials, the token request body, the service catalog."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

try:
    import configparser
except ImportError:  # pragma: no cover - Python 2 is not supported, but keep the import tidy
    configparser = None

from ansible_collections.failover.shared_ip.plugins.module_utils._errors import ConfigError

DEFAULT_IDENTITY_URL = "https://identity.api.rackspacecloud.com/v2.0"
CREDENTIALS_SECTION = "rackspace_cloud"
NETWORK = ("cloudNetworks", "network")
COMPUTE = ("cloudServersOpenStack", "compute")


def credentials_from_file(path):
    """Read a pyrax credentials file: ``[rackspace_cloud]`` with ``username``, ``api_key``, ``region``.

    Returns {"username", "api_key", "region"} (region None when absent). Raises ConfigError naming
    the file and what is wrong with it; the message never contains the key.
    """
    path = os.path.expanduser(str(path))
    if not os.path.isfile(path):
        raise ConfigError("credentials file %s does not exist" % path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path) as handle:
            parser.read_file(handle)
    except (OSError, IOError) as exc:
        raise ConfigError("credentials file %s cannot be read: %s" % (path, exc.strerror or exc))
    except configparser.Error as exc:
        raise ConfigError("credentials file %s is not an INI file (%s)" % (path, type(exc).__name__))
    if not parser.has_section(CREDENTIALS_SECTION):
        raise ConfigError("credentials file %s has no [%s] section" % (path, CREDENTIALS_SECTION))
    section = parser[CREDENTIALS_SECTION]
    missing = [key for key in ("username", "api_key") if not section.get(key, "").strip()]
    if missing:
        raise ConfigError("credentials file %s: [%s] lacks %s" % (path, CREDENTIALS_SECTION, " and ".join(missing)))
    return {
        "username": section["username"].strip(),
        "api_key": section["api_key"].strip(),
        "region": section.get("region", "").strip() or None,
    }


def auth_body(username, api_key=None, password=None):
    """The body of POST /v2.0/tokens: the API key when there is one, else the password."""
    if api_key:
        return {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": api_key}}}
    return {"auth": {"passwordCredentials": {"username": username, "password": password}}}


class Access:
    """What a token answer tells: token, expiry, tenant, default region and the catalog."""

    def __init__(self, body):
        access = (body or {}).get("access") or {}
        token = access.get("token") or {}
        self.token = token.get("id")
        self.expires = token.get("expires")
        self.tenant_id = (token.get("tenant") or {}).get("id")
        self.default_region = (access.get("user") or {}).get("RAX-AUTH:defaultRegion")
        self.catalog = access.get("serviceCatalog") or []

    def regions(self, service):
        return sorted(set(str(ep.get("region", "")).upper() for ep in self._endpoints(service)))

    def _endpoints(self, service):
        name, type_ = service
        for entry in self.catalog:
            if entry.get("name") == name or entry.get("type") == type_:
                return entry.get("endpoints") or []
        return []

    def endpoint(self, service, region):
        """The publicURL of ``service`` (NETWORK or COMPUTE) in ``region`` (any case), or None."""
        for ep in self._endpoints(service):
            if str(ep.get("region", "")).upper() == region.upper():
                return ep.get("publicURL")
        return None


def expand_url(url, region, tenant_id):
    """A user-given endpoint with ``{region}`` and ``{tenant_id}`` placeholders filled in."""
    if url is None:
        return None
    if "{tenant_id}" in url and not tenant_id:
        raise ConfigError("endpoint %s needs tenant_id" % url)
    if "{region}" in url and not region:
        raise ConfigError("endpoint %s needs region" % url)
    return url.replace("{region}", (region or "").upper()).replace("{tenant_id}", str(tenant_id or "")).rstrip("/")
