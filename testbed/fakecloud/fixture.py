"""The built-in fixture, the YAML loader, and the stable ids derived from names.

A fixture is a plain dict (or a YAML file of the same shape); see README.md.
PublicNet and ServiceNet exist in every region even when a fixture omits them.
"""
import copy
import hashlib
import json
import sys
import uuid

PUBLICNET_ID = "00000000-0000-0000-0000-000000000000"
SERVICENET_ID = "11111111-1111-1111-1111-111111111111"
PUBLICNET = "PublicNet"
SERVICENET = "ServiceNet"
_NAMESPACE = uuid.UUID("6f1c0a5e-2a35-5b8e-9c52-6b1f6a9f3d00")
_NAMESPACE_BYTES = _NAMESPACE.bytes

WELL_KNOWN_NETWORKS = [
    {
        "name": PUBLICNET,
        "id": PUBLICNET_ID,
        "subnets": [
            {"cidr": "203.0.113.0/24", "allocate_from": "203.0.113.100"},
            {"cidr": "2001:db8:10::/64", "allocate_from": "2001:db8:10::100"},
        ],
    },
    {
        "name": SERVICENET,
        "id": SERVICENET_ID,
        "subnets": [{"cidr": "10.176.0.0/16", "allocate_from": "10.176.1.0"}],
    },
]


class FixtureError(ValueError):
    """A fixture that cannot be read or does not describe a consistent cloud."""


def stable_id(kind, *names):
    """The UUID the simulator gives a fixture object: uuid5 of "kind:name:...".

    stable_id("server", "DFW", "node01"); stable_id("network", "DFW", "cluster-net");
    stable_id("port", "DFW", "node01", "cluster-net"); stable_id("subnet", "DFW", "cluster-net", "4").
    """
    # uuid5 by hand (the same value as uuid.uuid5): the large accounts of `extra_servers` need 30,000 of them.
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + ":".join([kind] + [str(n) for n in names]).encode()).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest[:16].hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def _node(nn, zone):
    name = "node%02d" % nn
    return {
        "name": name,
        "region": "DFW",
        "tenant": "123456",
        "status": "ACTIVE",
        "zone": zone,
        "metadata": {},
        "ports": [
            {"network": PUBLICNET, "fixed_ips": ["203.0.113.%d" % (10 + nn), "2001:db8:10::%d" % (10 + nn)]},
            {"network": SERVICENET, "fixed_ips": ["10.176.0.%d" % (10 + nn)]},
            {"network": "cluster-net", "fixed_ips": ["192.168.100.%d" % (10 + nn), "fd00:100::%d" % (10 + nn)]},
        ],
    }


def _other(nn):
    return {
        "name": "other%02d" % nn,
        "region": "DFW",
        "tenant": "654321",
        "status": "ACTIVE",
        "zone": "A",
        "metadata": {},
        "ports": [
            {"network": PUBLICNET, "fixed_ips": ["203.0.113.%d" % (30 + nn), "2001:db8:10::%d" % (30 + nn)]},
            {"network": SERVICENET, "fixed_ips": ["10.176.0.%d" % (30 + nn)]},
        ],
    }


BUILTIN = {
    "regions": ["DFW", "ORD"],
    "tenants": [
        {
            "id": "123456",
            "name": "demo",
            "default_region": "DFW",
            "users": [{"username": "demo", "api_key": "demo-api-key", "password": "demo-password"}],
        },
        {
            "id": "654321",
            "name": "other",
            "default_region": "DFW",
            "users": [{"username": "other", "api_key": "other-api-key", "password": "other-password"}],
        },
    ],
    "networks": [
        {
            "name": "cluster-net",
            "region": "DFW",
            "tenant": "123456",
            "subnets": [
                {"cidr": "192.168.100.0/24", "allocate_from": "192.168.100.100"},
                {"cidr": "fd00:100::/64", "allocate_from": "fd00:100::100"},
            ],
        },
    ],
    "servers": [_node(nn, "A" if nn < 10 else "B") for nn in range(1, 11)] + [_other(1), _other(2)],
    "shared_ips": [],
}


def builtin():
    """A fresh deep copy of the built-in fixture."""
    return copy.deepcopy(BUILTIN)


def load(path):
    """Read a YAML fixture file (PyYAML is needed only here), or a .json one (no PyYAML needed)."""
    if path.endswith(".json"):
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise FixtureError("fixture %s: %s" % (path, exc))
        return _mapping(path, data)
    try:
        import yaml
    except ImportError:
        raise FixtureError(
            "a fixture file needs PyYAML, which this Python (%s) lacks: use the project venv "
            "(.venv/bin/python) or install python3-yaml; without --fixture the built-in fixture needs nothing"
            % sys.executable
        )
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise FixtureError("fixture %s: %s" % (path, exc))
    return _mapping(path, data)


def _mapping(path, data):
    if not isinstance(data, dict):
        raise FixtureError("fixture %s: the top level must be a mapping" % path)
    return data
