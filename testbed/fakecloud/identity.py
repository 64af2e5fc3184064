"""Identity rules: API key or password -> token with expiry, and the service catalog."""
import datetime
import secrets

from .errors import CloudError, bad_request
from .lookup import locked


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def unauthorized(message):
    return CloudError(401, "Unauthorized", message)


class IdentityRules:
    @locked
    def authenticate(self, body, base_url):
        """POST /v2.0/tokens -> the `access` body. 401 on bad credentials, 400 on a malformed body."""
        auth = body.get("auth") if isinstance(body, dict) else None
        if not isinstance(auth, dict):
            raise bad_request("Invalid request body: expected {\"auth\": {...}}")
        if isinstance(auth.get("RAX-KSKEY:apiKeyCredentials"), dict):
            creds = auth["RAX-KSKEY:apiKeyCredentials"]
            secret_key, method, what = "apiKey", "APIKEY", "api key"
        elif isinstance(auth.get("passwordCredentials"), dict):
            creds = auth["passwordCredentials"]
            secret_key, method, what = "password", "PASSWORD", "password"
        else:
            raise bad_request("Invalid request body: no apiKeyCredentials or passwordCredentials")
        username, secret = creds.get("username"), creds.get(secret_key)
        if not isinstance(username, str) or not isinstance(secret, str) or not username or not secret:
            raise bad_request("Invalid request body: username and %s are required" % secret_key)
        user = self.world.users.get(username)
        stored = user and user["api_key" if method == "APIKEY" else "password"]
        if not user or not stored or not secrets.compare_digest(stored, secret):
            raise unauthorized("Username or %s is invalid." % what)
        tenant = self.world.tenants[user["tenant"]]
        token = secrets.token_hex(16)
        expires = self.clock() + self.token_ttl
        self.tokens[token] = {"tenant": tenant["id"], "user": username, "expires": expires}
        return {"access": {
            "token": {
                "id": token,
                "expires": _iso(expires),
                "tenant": {"id": tenant["id"], "name": tenant["name"]},
                "RAX-AUTH:authenticatedBy": [method],
            },
            "user": {
                "id": user["id"],
                "name": username,
                "RAX-AUTH:defaultRegion": tenant["default_region"],
                "roles": [{"id": "3", "name": "identity:user-admin"}],
            },
            "serviceCatalog": self._catalog(tenant["id"], base_url),
        }}

    def _catalog(self, tenant, base_url):
        def endpoints(template):
            return [{"region": r, "tenantId": tenant, "publicURL": base_url + template.format(region=r, tenant=tenant)}
                    for r in self.world.regions]

        return [
            # First-generation Cloud Servers, listed first as on older accounts (cloud-api.md section 1):
            # type compute, no region, versionId 1.0. Its URL is not served (404).
            {"name": "cloudServers", "type": "compute",
             "endpoints": [{"tenantId": tenant, "publicURL": base_url + "/servers/v1.0/" + tenant,
                            "versionId": "1.0", "versionInfo": base_url + "/servers/v1.0",
                            "versionList": base_url + "/servers/"}]},
            {"name": "cloudFiles", "type": "object-store",
             "endpoints": [{"region": r, "tenantId": "MossoCloudFS_x", "publicURL": base_url + "/files/" + r}
                           for r in self.world.regions]},
            {"name": "cloudNetworks", "type": "network", "endpoints": endpoints("/network/{region}/v2.0")},
            {"name": "cloudServersOpenStack", "type": "compute",
             "endpoints": endpoints("/compute/{region}/v2/{tenant}")},
        ]

    @locked
    def check_token(self, token):
        """The tenant id the token belongs to; 401 when missing, unknown or expired."""
        if not token:
            raise unauthorized("No X-Auth-Token header: authentication required.")
        entry = self.tokens.get(token)
        if entry is None:
            raise unauthorized("The token is not valid.")
        if entry["expires"] <= self.clock():
            raise unauthorized("The token has expired.")
        return entry["tenant"]

    @locked
    def expire_tokens(self):
        """Make every issued token expired now (for the re-authentication path of clients)."""
        now = self.clock()
        for entry in self.tokens.values():
            entry["expires"] = min(entry["expires"], now)
        return len(self.tokens)
