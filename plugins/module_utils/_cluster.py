# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster module: the items of ``addresses`` and the role's settings they carry.

An item holds the cloud settings of one shared IP (ITEM_SPEC) and, besides them, any per-address setting
of the role failover.shared_ip.keepalived_vip (ROLE_SETTINGS: a copy of the options of an item of
``keepalived_vip_addresses`` in roles/keepalived_vip/meta/argument_specs.yml, less ``name``, ``address``
and ``preferred``, which the module itself fills in; a unit test keeps the copy identical). The role's
part is checked here against that spec and passed on unchanged in ``keepalived_vip_addresses``.
"""

import difflib

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PlanError

ROLE_SETTINGS = dict(
    router_id=dict(type="int"),
    interface=dict(type="str"),
    track=dict(type="list", elements="str"),
    advert_int=dict(type="float"),
    vrrp_version=dict(type="int", choices=[2, 3]),
    auth_pass=dict(type="str", no_log=True),
    preempt=dict(type="bool"),
    preempt_delay=dict(type="int"),
    garp_master_delay=dict(type="int"),
    garp_master_repeat=dict(type="int"),
    garp_master_refresh=dict(type="int"),
    garp_master_refresh_repeat=dict(type="int"),
    notify_script=dict(type="str"),
    instance_extra=dict(type="list", elements="str"),
)

CLOUD_SETTINGS = dict(
    name=dict(type="str"),
    address=dict(type="str"),
    version=dict(type="int", choices=[4, 6]),
    servers=dict(type="list", elements="str"),
    associate=dict(type="bool"),
    preferred=dict(type="list", elements="str"),
)

ITEM_SPEC = dict(CLOUD_SETTINGS, **ROLE_SETTINGS)
SECRET_SETTINGS = sorted(k for k, v in ROLE_SETTINGS.items() if v.get("no_log"))
MASK = "********"

_KINDS = {"str": "a string", "int": "a whole number", "float": "a number", "bool": "a boolean",
          "list": "a list", "dict": "a dict"}


def secrets(items):
    """The values of the role's secret settings (auth_pass) in ``items``, as given."""
    return [str(item[k]) for item in items or [] if isinstance(item, dict)
            for k in SECRET_SETTINGS if item.get(k) not in (None, "")]


def _wanted(spec):
    if spec.get("choices"):
        return "one of %s" % ", ".join(str(c) for c in spec["choices"])
    kind = _KINDS[spec["type"]]
    if spec.get("elements"):
        kind += " of %ss" % spec["elements"].replace("str", "string")
    return kind


def check_item(index, item):
    """One item of ``addresses``, each setting converted to the type of its spec: {setting: value}.

    Refuses (PlanError ``addresses[i].setting``) an unknown setting or one of the wrong type, with the
    value (masked for a secret) and what it must be.
    """
    where = "addresses[%d]" % index
    if not isinstance(item, dict):
        raise PlanError(where, item, "must be a dict of settings")
    out = {}
    for key in sorted(item):
        value = item[key]
        spec = ITEM_SPEC.get(key)
        if spec is None:
            near = difflib.get_close_matches(str(key), list(ITEM_SPEC), 1)
            shown = MASK if set(near) & set(SECRET_SETTINGS) else value     # a misspelt secret is one too
            raise PlanError("%s.%s" % (where, key), shown, "no such setting%s; an address takes the cloud settings "
                            "%s and the role's %s" % (" (did you mean %s?)" % near[0] if near else "",
                                                      ", ".join(CLOUD_SETTINGS), ", ".join(ROLE_SETTINGS)))
        shown = MASK if key in SECRET_SETTINGS else value
        if value is None:
            continue
        result = ArgumentSpecValidator({key: spec}).validate({key: value})
        if result.error_messages:
            origin = "" if key in CLOUD_SETTINGS else " (the role's keepalived_vip_addresses[].%s)" % key
            raise PlanError("%s.%s" % (where, key), shown, "must be %s%s" % (_wanted(spec), origin))
        out[key] = result.validated_parameters[key]
    return out


def check_items(items):
    """Every item of ``addresses``, checked and converted (see check_item)."""
    return [check_item(index, item) for index, item in enumerate(items or [])]


def role_part(item):
    """The role's settings of one checked item, as given."""
    return dict((k, v) for k, v in item.items() if k in ROLE_SETTINGS)
