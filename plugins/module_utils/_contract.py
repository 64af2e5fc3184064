# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the contract and this collection's conventions fix: well-known ids, limits, metadata keys,
and the error that refuses bad input before any write. Pure: no I/O, no Ansible import."""

import difflib
import ipaddress
import re

POOL_SIZE = 8           # independent calls of one task run side by side, at most this many at once
PUBLIC_NET_ID = "00000000-0000-0000-0000-000000000000"
SERVICE_NET_ID = "11111111-1111-1111-1111-111111111111"
PUBLIC_SHARED_QUOTA = 5
PORT_ADDRESS_LIMIT = {PUBLIC_NET_ID: 6, SERVICE_NET_ID: 1}
DEFAULT_PORT_ADDRESS_LIMIT = 5

# Server metadata written by this collection: the name label of a shared IP (value: its id), and
# the record of an association this collection made (value: the address), written only after the
# association succeeded, removed after it was undone.
LABEL_PREFIX = "failover-shared-ip:"
RECORD_PREFIX = "failover-shared-ip-associated:"
MAX_NAME_LENGTH = 255 - len(LABEL_PREFIX)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class PlanError(Exception):
    """Bad input, found before any write: names the option and the value."""

    def __init__(self, option, value, reason, candidates=None):
        self.option = option
        self.value = value
        self.reason = reason
        self.candidates = candidates or []
        super().__init__("%s=%s: %s" % (option, show(value), reason))


def show(value):
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(show(v) for v in value)
    return str(value)


def near_miss(value, candidates, cutoff=0.75):
    """``[X]`` for a near miss of ``value`` among ``candidates`` (the same but for case, or a typo within
    difflib's ``cutoff``), else ``[]``: the refusal's ``candidates``."""
    names = sorted(set(str(c) for c in candidates if c))
    same = [c for c in names if c.lower() == str(value).lower()]
    return (same or difflib.get_close_matches(str(value), names, 1, cutoff))[:1]


def did_you_mean(near):
    """``"; did you mean X?"`` for the near miss ``near`` (from near_miss), else ``""``."""
    return "; did you mean %s?" % near[0] if near else ""


def label_key(name):
    return LABEL_PREFIX + name


def labels(server):
    """{name: address_id} of the name labels in a server's metadata: the one parser of them."""
    meta = (server or {}).get("metadata") or {}
    return dict((k[len(LABEL_PREFIX):], v) for k, v in meta.items() if k.startswith(LABEL_PREFIX))


def record_key(address_id):
    return RECORD_PREFIX + address_id


def is_uuid(value):
    return isinstance(value, str) and bool(_UUID.match(value))


def check_uuid(option, value):
    if not is_uuid(value):
        raise PlanError(option, value, "not a UUID (expected 8-4-4-4-12 hexadecimal digits)")
    return value.lower()


def check_name(name, option="name"):
    if name is None:
        return None
    if not name or len(name) > MAX_NAME_LENGTH:
        raise PlanError(option, name, "must be 1 to %d characters long" % MAX_NAME_LENGTH)
    return name


def parse_ip(option, value):
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        raise PlanError(option, value, "not an IPv4 or IPv6 address")


def same_ip(a, b):
    try:
        return a is not None and ipaddress.ip_address(str(a)) == ipaddress.ip_address(str(b))
    except ValueError:
        return False


def describe_address(addr):
    return "%s (%s)" % (addr["id"], addr.get("address"))
