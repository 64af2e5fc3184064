# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identity v2.0: credentials, the token request body, the service catalog."""

import os

from ansible_collections.failover.shared_ip.plugins.module_utils._errors import ConfigError

DEFAULT_IDENTITY_URL = "https://identity.api.rackspacecloud.com/v2.0"
CREDENTIALS_SECTION = "rackspace_cloud"
NETWORK = ("cloudNetworks", "network")
COMPUTE = ("cloudServersOpenStack", "compute")


def credentials_from_file(path):
    """Read a pyrax credentials file: ``[rackspace_cloud]`` with ``username``, ``api_key`` or
    ``password`` (pyrax takes either; the key wins when both are there) and ``region``.

    Returns {"username", "api_key", "password", "region"} (None where absent; ``password`` is None
    when there is a key). Raises ConfigError naming the file and what is wrong with it; the message
    never contains the key or the password.
    """
    import configparser  # here, not at the top: few tasks give a file, and every task would pay for the import

    path = os.path.expanduser(str(path))
    if not os.path.isfile(path):
        raise ConfigError("the credentials file does not exist", option="credentials", value=path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("the credentials file cannot be read: %s" % (getattr(exc, "strerror", None) or
                                                                       type(exc).__name__),
                          option="credentials", value=path) from None
    except configparser.Error as exc:
        raise ConfigError("the credentials file is not an INI file (%s)" % type(exc).__name__,
                          option="credentials", value=path) from None
    if not parser.has_section(CREDENTIALS_SECTION):
        raise ConfigError("the credentials file has no [%s] section" % CREDENTIALS_SECTION,
                          option="credentials", value=path)
    section = parser[CREDENTIALS_SECTION]
    values = dict((key, section.get(key, "").strip() or None) for key in ("username", "api_key", "password", "region"))
    missing = [text for text, present in (("username", values["username"]),
                                          ("api_key or password", values["api_key"] or values["password"]))
               if not present]
    if missing:
        raise ConfigError("the credentials file's [%s] section lacks %s" % (CREDENTIALS_SECTION, " and ".join(missing)),
                          option="credentials", value=path)
    if values["api_key"]:
        values["password"] = None
    return values


class Credentials:
    """Who logs in, resolved from the options and the credentials file; ``repr`` shows no secret.

    ``username`` with ``api_key`` (wins) or ``password``; or a ready ``auth_token``; ``tenant_id``
    and ``region`` (upper case) when known before login.
    """

    def __init__(self, username=None, api_key=None, password=None, auth_token=None, tenant_id=None, region=None):
        self.username = username
        self.api_key = api_key
        self.password = password if not api_key else None
        self.auth_token = auth_token
        self.tenant_id = tenant_id
        self.region = region.upper() if region else None

    @classmethod
    def resolve(cls, username=None, api_key=None, password=None, auth_token=None, tenant_id=None,
                credentials=None, region=None):
        """The credentials the options give; explicit values win over the file's. Raises ConfigError
        when they cannot log in (nothing given, a key without a user, a user without a secret)."""
        if credentials:
            from_file = credentials_from_file(credentials)
            username = username or from_file["username"]
            if not (api_key or password):
                api_key, password = from_file["api_key"], from_file["password"]
            region = region or from_file["region"]
        if api_key or password:
            if not username:
                raise ConfigError("username is required with %s" % ("api_key" if api_key else "password"))
        elif username and not auth_token:
            raise ConfigError("given without api_key or password (or credentials, or auth_token)",
                              option="username", value=username)
        elif not auth_token:
            raise ConfigError("no credentials: set username and api_key (or password), credentials, "
                              "or auth_token with network_url and compute_url")
        return cls(username, api_key, password, auth_token, tenant_id, region)

    def can_log_in(self):
        return bool(self.username and (self.api_key or self.password))

    def secrets(self):
        return [s for s in (self.api_key, self.password, self.auth_token) if s]

    def __repr__(self):
        return "Credentials(username=%r, with=%s, tenant_id=%r, region=%r)" % (
            self.username, "api_key" if self.api_key else "password" if self.password else "auth_token",
            self.tenant_id, self.region)


def auth_body(username, api_key=None, password=None):
    """The body of POST /v2.0/tokens: the API key when there is one, else the password."""
    if api_key:
        return {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": api_key}}}
    return {"auth": {"passwordCredentials": {"username": username, "password": password}}}


def first_generation(endpoint):
    """True for first-generation Cloud Servers (``versionId`` 1.0, a ``/v1.0/`` URL): not usable."""
    url = str(endpoint.get("publicURL") or "")
    return str(endpoint.get("versionId") or "") == "1.0" or "/v1.0/" in url + "/"


def _dict(value):
    return value if isinstance(value, dict) else {}


class Access:
    """What a token answer tells: token, expiry, tenant, default region and the catalog.

    An endpoint of a service is chosen from the entry of its exact name first (``cloudNetworks``,
    ``cloudServersOpenStack``), then from any entry of its type (``network``, ``compute``), with
    an endpoint in the region (any case) that is not first-generation: older accounts list the
    first-generation ``cloudServers`` (type compute, no region) before ``cloudServersOpenStack``.
    """

    def __init__(self, body):
        access = _dict(_dict(body).get("access"))
        token = _dict(access.get("token"))
        self.token = token.get("id")
        self.expires = token.get("expires")
        self.tenant_id = _dict(token.get("tenant")).get("id")
        self.default_region = _dict(access.get("user")).get("RAX-AUTH:defaultRegion")
        catalog = access.get("serviceCatalog")
        self.catalog = [e for e in catalog if isinstance(e, dict)] if isinstance(catalog, list) else []

    def _usable(self, service):
        """(REGION, publicURL) of every usable endpoint of ``service``, the exact name's first."""
        name, type_ = service
        entries = ([e for e in self.catalog if e.get("name") == name] +
                   [e for e in self.catalog if e.get("name") != name and e.get("type") == type_])
        for entry in entries:
            for endpoint in entry.get("endpoints") or []:
                if (isinstance(endpoint, dict) and endpoint.get("publicURL") and endpoint.get("region")
                        and not first_generation(endpoint)):
                    yield str(endpoint["region"]).upper(), endpoint["publicURL"]

    def regions(self, service):
        return sorted(set(region for region, _url in self._usable(service)))

    def endpoint(self, service, region):
        """The publicURL of ``service`` (NETWORK or COMPUTE) in ``region`` (any case), or None."""
        for found, url in self._usable(service):
            if found == region.upper():
                return url
        return None

    def services(self):
        """The catalog in a few words, for an error message: ``name (type: REGION, ...)``."""
        seen = []
        for entry in self.catalog:
            endpoints = [e for e in entry.get("endpoints") or [] if isinstance(e, dict)]
            where = sorted(set(str(e.get("region")).upper() for e in endpoints if e.get("region")))
            if endpoints and all(first_generation(e) for e in endpoints):
                where = ["first generation"]
            seen.append("%s (%s%s)" % (entry.get("name"), entry.get("type"), ": " + ", ".join(where) if where else ""))
        return "; ".join(seen) or "none"


def expand_url(url, region, tenant_id, option="endpoint"):
    """A user-given endpoint with ``{region}`` and ``{tenant_id}`` placeholders filled in."""
    if url is None:
        return None
    if "{tenant_id}" in url and not tenant_id:
        raise ConfigError("needs tenant_id (it holds {tenant_id})", option=option, value=url)
    if "{region}" in url and not region:
        raise ConfigError("needs region (it holds {region})", option=option, value=url)
    return url.replace("{region}", (region or "").upper()).replace("{tenant_id}", str(tenant_id or "")).rstrip("/")
