# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One validator per field of the keepalived_vip role's input: pure, no I/O, no Ansible import.

Each validator takes `where` (the variable path shown to the user, e.g.
"keepalived_vip_addresses[2]"), the raw value and what it needs to judge it,
and returns (normalised value, [errors]).  It never raises: the role's
preflight prints every error at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
AUTH_PASS_RE = re.compile(r"^[!-~]{1,8}$")  # printable ASCII without space, as keepalived's PASS type takes it
FAMILIES = {4: "ipv4", 6: "ipv6"}
CHECK_TYPES = {"script": "script", "process": "process", "interface": "interface", "file": "file",
               "bfd": "neighbor"}  # type -> key it needs
# What a check gets when it does not say (keepalived's own defaults differ: these make a failing check move the address;
# a BFD session asks its neighbor for a packet every 50 ms, where keepalived's 10 ms would be at the mercy of every
# scheduling delay)
CHECK_DEFAULTS = {"script": {"interval": 2, "fall": 2, "rise": 2}, "bfd": {"min_rx": 50, "min_tx": 50, "multiplier": 3}}
# keepalived's limits for a BFD instance: its name, its intervals (ms, 3 decimals) and its multiplier
BFD_NAME_MAX = 31
BFD_INTERVAL_MS = (1, 4294967)
BFD_MULTIPLIER = (1, 255)
DEFAULT_WEIGHT = -253


def parse_address(value):
    """An ipaddress interface object, or None."""
    try:
        return ipaddress.ip_interface(str(value).strip())
    except ValueError:
        return None


def name(where, value):
    if not value or not NAME_RE.match(str(value)):
        return value, ["%s.name: %r is not a valid name (letters, digits, '_', '.', '-'; at most 64)" % (where, value)]
    return value, []


def address(where, value, label):
    """'a.b.c.d[/p]' -> {"ip", "family", "prefix", "address" (with the prefix)}."""
    parsed = parse_address(value)
    if parsed is None:
        return ({"ip": None, "family": None, "prefix": None, "address": value},
                ["%s.address: %r (%s) is not an IPv4 or IPv6 address" % (where, value, label)])
    return ({"ip": str(parsed.ip), "family": FAMILIES[parsed.version], "prefix": parsed.network.prefixlen,
             "address": "%s/%d" % (parsed.ip, parsed.network.prefixlen)}, [])


def preferred(where, value, label, members):
    hosts = list(value or [])
    errors = ["%s.preferred: %r (%s) is not a member (keepalived_vip_members: %s)"
              % (where, host, label, ", ".join(members)) for host in hosts if host not in members]
    if len(set(hosts)) != len(hosts):
        errors.append("%s.preferred: %s (%s) lists a host twice" % (where, hosts, label))
    return hosts, errors


def track(where, value, label, check_names):
    names = list(value or [])
    return names, ["%s.track: %r (%s) is not a check defined in keepalived_vip_checks" % (where, check, label)
                   for check in names if check not in check_names]


def untracked(normalised_checks, tracked):
    """A check that no address tracks would be configured and never act: refused, named."""
    return ["keepalived_vip_checks[%d].name: check %r is tracked by no address (add it to the track list of an "
            "item of keepalived_vip_addresses, or remove it)" % (index, check.get("name"))
            for index, check in enumerate(normalised_checks) if check.get("name") and check.get("name") not in tracked]


def missing_interface(source):
    """The VRRP interface a member's facts show it lacks (see the vrrp_sources filter), or None."""
    return source.get("missing_interface") if isinstance(source, dict) else None


def interfaces(hosts, sources):
    """keepalived_vip_interface must exist on every member whose facts list its interfaces."""
    errors = []
    for host in hosts:
        source = (sources or {}).get(host)
        if missing_interface(source):
            errors.append("keepalived_vip_interface: %s does not exist on member %s (its interfaces: %s)"
                          % (missing_interface(source), host, ", ".join(source.get("interfaces") or [])))
    return errors


def router_id(where, value, label):
    """None (derive one later) or an integer in 1..255."""
    if value is None:
        return None, []
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 1 <= number <= 255:
        return -1, ["%s.router_id: %r (%s) must be an integer in 1..255" % (where, value, label)]
    return number, []


def auth_pass(where, value, label):
    """keepalived's PASS authentication: 1 to 8 printable characters. The value is never shown."""
    if value is None or value == "":
        return "", []
    if isinstance(value, bool) or not AUTH_PASS_RE.match(str(value)):
        return value, ["%s.auth_pass of %s: 1 to 8 printable ASCII characters without spaces (value not shown)"
                       % (where, label)]
    return str(value), []


def vrrp_version(where, advert_int, configured, family, label):
    """VRRPv3 for IPv6 and sub-second or fractional adverts, else the configured version."""
    try:
        advert = float(advert_int)
    except (TypeError, ValueError):
        return 3, ["%s.advert_int: %r (%s) is not a number" % (where, advert_int, label)]
    if family == "ipv6" or advert < 1 or advert != int(advert):
        return 3, []
    try:
        return int(configured), []
    except (TypeError, ValueError):
        return 2, ["%s.vrrp_version: %r (%s) must be 2 or 3" % (where, configured, label)]


def members(value):
    hosts = [str(host) for host in (value or [])]
    errors = [] if hosts else ["keepalived_vip_members: the member list is empty"]
    seen = set()
    for host in hosts:
        if host in seen:
            errors.append("keepalived_vip_members: %r is listed twice" % host)
        seen.add(host)
    return hosts, errors


def membership(host, hosts):
    if host is None or host in hosts:
        return []
    return ["keepalived_vip_members: this host %s is not a member (%s)" % (host, ", ".join(hosts))]


def check(where, value, seen):
    """One item of keepalived_vip_checks -> the check with keepalived_vip's defaults filled in."""
    raw = value or {}
    errors = []
    label = raw.get("name")
    if not label or not NAME_RE.match(str(label)):
        errors.append("%s.name: %r is not a valid check name (letters, digits, '_', '.', '-')" % (where, label))
    elif label in seen:
        errors.append("%s.name: %r is used by more than one check" % (where, label))
    kind = raw.get("type")
    if kind not in CHECK_TYPES:
        errors.append("%s.type: %r (%s) must be one of %s" % (where, kind, label, ", ".join(sorted(CHECK_TYPES))))
        return dict(raw), errors
    if not raw.get(CHECK_TYPES[kind]):
        errors.append("%s.%s: check %s of type %s needs it" % (where, CHECK_TYPES[kind], label, kind))
    if kind == "bfd":
        errors.extend(_bfd_errors(where, raw, label))
    normalised = dict(CHECK_DEFAULTS.get(kind, {}))
    normalised["weight"] = DEFAULT_WEIGHT
    normalised.update((key, item) for key, item in raw.items() if item is not None)
    normalised["extra"] = list(raw.get("extra") or [])
    return normalised, errors


def _bfd_errors(where, raw, label):
    """What keepalived would refuse, or ignore with a warning, in a bfd check's settings."""
    errors = []
    if label and len(str(label)) > BFD_NAME_MAX:
        errors.append("%s.name: %r is longer than the %d characters keepalived takes for a bfd check"
                      % (where, label, BFD_NAME_MAX))
    ips = {}
    for key in ("neighbor", "source"):
        if raw.get(key) is not None:
            parsed = parse_address(raw[key])
            if parsed is None or "/" in str(raw[key]):
                errors.append("%s.%s: %r (%s) is not an IP address" % (where, key, raw[key], label))
            else:
                ips[key] = parsed.ip
    if len(ips) == 2 and ips["neighbor"].version != ips["source"].version:
        errors.append("%s.source: %r (%s) is IPv%d, neighbor %r is IPv%d" % (
            where, raw["source"], label, ips["source"].version, raw["neighbor"], ips["neighbor"].version))
    for key, (low, high) in (("min_rx", BFD_INTERVAL_MS), ("min_tx", BFD_INTERVAL_MS), ("multiplier", BFD_MULTIPLIER)):
        value = raw.get(key)
        whole = key == "multiplier"
        if value is not None and not _in_range(value, low, high, whole):
            errors.append("%s.%s: %r (%s) must be %s from %d to %d%s" % (
                where, key, value, label, "a whole number" if whole else "milliseconds", low, high,
                "" if whole else ", 3 decimals at most"))
    return errors


def _in_range(value, low, high, whole):
    """Whether value (a number, or its text as YAML may give it) lies in [low, high], whole or to 3 decimals."""
    if isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return low <= number <= high and (number == int(number) if whole else round(number, 3) == number)


def _bfd_sessions(checks_):
    """keepalived takes one bfd instance per neighbor and source: the later ones are refused by name."""
    errors, seen = [], {}
    for index, check_ in enumerate(checks_):
        if check_.get("type") != "bfd":
            continue
        session = (str(check_.get("neighbor")), str(check_.get("source")))
        if session in seen:
            errors.append("keepalived_vip_checks[%d].neighbor: %r (%s) already has a session from check %s"
                          % (index, check_.get("neighbor"), check_.get("name"), seen[session]))
        seen.setdefault(session, check_.get("name"))
    return errors


def checks(value):
    """keepalived_vip_checks -> (normalised checks, errors)."""
    result, errors, seen = [], [], set()
    for index, item in enumerate(value or []):
        normalised, found = check("keepalived_vip_checks[%d]" % index, item, seen)
        seen.add((item or {}).get("name"))
        result.append(normalised)
        errors.extend(found)
    return result, errors + _bfd_sessions(result)
