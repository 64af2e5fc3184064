# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base of the cloud modules: connection options, client, errors, running the steps.

Every module takes the same way through: parameters -> client -> read step (_snapshot) -> decide step
(pure) -> apply step (``converge``: the steps performed, or in check mode applied to a copy with the
same transition function) -> result and diff (``exit``). What each module reads and decides, and its
flow, is in its own file: _address, _binding, _cluster, _address_info, _auth.
"""

import os
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.failover.shared_ip.plugins.module_utils import _steps as steps_
from ansible_collections.failover.shared_ip.plugins.module_utils._client import (
    DEFAULT_IDENTITY_URL,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    Client,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._cloud import Cloud
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PlanError
from ansible_collections.failover.shared_ip.plugins.module_utils._steps import Runner, StepsFailed

CONNECTION_SPEC = dict(
    username=dict(type="str", fallback=(env_fallback, ["RAX_USERNAME"])),
    api_key=dict(type="str", no_log=True),  # RAX_API_KEY: see connection_params()
    password=dict(type="str", no_log=True),
    auth_token=dict(type="str", no_log=True),
    tenant_id=dict(type="str"),
    credentials=dict(type="path", aliases=["creds_file"],
                     fallback=(env_fallback, ["RAX_CREDENTIALS", "RAX_CREDS_FILE"])),
    region=dict(type="str", fallback=(env_fallback, ["RAX_REGION"])),
    identity_url=dict(type="str", default=DEFAULT_IDENTITY_URL, aliases=["auth_endpoint"]),
    network_url=dict(type="str"),
    compute_url=dict(type="str"),
    validate_certs=dict(type="bool", default=True, aliases=["verify_ssl"]),
    ca_path=dict(type="path"),
    timeout=dict(type="int", default=30),
)
CONNECTION_RULES = dict(
    mutually_exclusive=[["api_key", "password"]],
    required_together=[["network_url", "compute_url"]],
    required_by={"auth_token": ["network_url", "compute_url"]},
)


def connection_params(params):
    """The Client's arguments. RAX_API_KEY applies only when neither api_key nor password is given,
    so that an explicit password is never overruled by a key in the environment."""
    args = dict((k, params.get(k)) for k in CONNECTION_SPEC)
    if not args["api_key"] and not args["password"]:
        args["api_key"] = os.environ.get("RAX_API_KEY") or None
    return args


class CloudModule:
    """AnsibleModule with the connection options, a lazy Cloud, and the step runner."""

    result_key = "shared_ip"

    def __init__(self, argument_spec, mutually_exclusive=None, required_together=None, required_by=None,
                 result_key="shared_ip", **kwargs):
        spec = dict(CONNECTION_SPEC)
        spec.update(argument_spec)
        rules = dict((k, list(v) if isinstance(v, list) else dict(v)) for k, v in CONNECTION_RULES.items())
        rules["mutually_exclusive"] += mutually_exclusive or []
        rules["required_together"] += required_together or []
        rules["required_by"].update(required_by or {})
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **dict(rules, **kwargs))
        self.params = self.module.params
        self.result_key = result_key
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        self._cloud = None
        self.unchanged = []
        self._passed_on = []

    @property
    def check_mode(self):
        return self.module.check_mode

    def client(self, **overrides):
        """A Client from the connection options (checked there, errors name the option); a key taken
        from the environment is masked too."""
        args = connection_params(dict(self.params, **overrides))
        if args["api_key"]:
            self.module.no_log_values.add(args["api_key"])
        return Client.from_options(**args)

    @property
    def cloud(self):
        """The Cloud; its client logs in on the first call (once, whichever thread of the read step's
        pool comes first: the client publishes its token only after both endpoints)."""
        if self._cloud is None:
            self._cloud = Cloud(self.client())
        return self._cloud

    # -- errors ------------------------------------------------------------------------------

    def fail_api(self, exc, **result):
        self.module.fail_json(msg=str(exc), failure=exc.failure(), **result)

    def fail_plan(self, exc, **result):
        self.module.fail_json(msg=str(exc), option=exc.option, value=exc.value, candidates=exc.candidates,
                              **result)

    def guard(self, func, *args, **kwargs):
        """Run func; turn ApiError, PlanError and StepsFailed into fail_json."""
        try:
            return func(*args, **kwargs)
        except PlanError as exc:
            self.fail_plan(exc)
        except StepsFailed as exc:
            self.module.fail_json(msg=str(exc), failure=exc.error.failure(),
                                  done=[steps_.describe(s) for s in exc.done],
                                  not_done=[steps_.describe(s) for s in exc.not_done] +
                                  [steps_.describe(s) for s, _e in exc.failed],
                                  **{self.result_key: exc.state or {}})
        except ApiError as exc:
            self.fail_api(exc)
        except Exception as exc:  # a bug: say so, with the traceback for -vvv
            self.module.fail_json(msg="%s: %s" % (type(exc).__name__, exc), exception=traceback.format_exc())

    # -- one way through -------------------------------------------------------------------------

    def converge(self, before, steps, **context):
        """The state after the steps: applied to a copy in check mode, performed otherwise."""
        if self.module.check_mode or not steps:
            return steps_.apply_all(before, steps)
        runner = Runner(self.cloud, context=context)
        try:
            return runner.run(before, steps)
        finally:
            self.unchanged += runner.unchanged

    def converge_many(self, plans, **context):
        """{key: (before, steps)} -> {key: after}, side by side (check mode: applied to copies)."""
        if self.module.check_mode:
            return dict((k, steps_.apply_all(b, s)) for k, (b, s) in plans.items())
        runner = Runner(self.cloud, context=context)
        try:
            return runner.run_many(plans)
        finally:
            self.unchanged += runner.unchanged

    def changed(self, steps):
        """Steps that changed something: all of them, less those the cloud found already done."""
        return [s for s in steps if not any(s is u for u in self.unchanged)]

    def hide(self, values):
        """Secrets that the result passes on on purpose (the role's auth_pass for keepalived): masked in the
        invocation and in every failure, shown only in the successful result (see report)."""
        known = set(self.module.no_log_values)
        self._passed_on = [v for v in values if v and v not in known]
        self.module.no_log_values.update(self._passed_on)

    def exit(self, before, after, steps, **result):
        """exit_json with changed, the actions taken (or that would be), and the diff of one shared IP."""
        result.setdefault(self.result_key, after or {})
        self.exit_many({None: (before, steps)}, {None: after}, **result)

    def exit_many(self, plans, afters, **result):
        """exit_json for shared IPs converged side by side ({key: (before, steps)}, {key: after}): changed,
        the actions (each after its key, when there is more than one) and the diff by key."""
        steps = [s for key in plans for s in plans[key][1]]
        result["changed"] = bool(self.changed(steps))
        result["actions"] = [("%s: %s" % (key, steps_.describe(s)) if key is not None else steps_.describe(s))
                             for key in plans for s in plans[key][1]]
        if self.module._diff:       # the one place that asks whether --diff is on
            if list(plans) == [None]:
                result["diff"] = {"before": steps_.diff_view(plans[None][0]), "after": steps_.diff_view(afters[None])}
            else:
                result["diff"] = {"before": dict((k, steps_.diff_view(b)) for k, (b, _s) in plans.items() if b),
                                  "after": dict((k, steps_.diff_view(a)) for k, a in afters.items() if a)}
        self.report(**result)

    def report(self, **result):
        """exit_json: the one way out. Values hidden with ``hide`` are shown in the result only."""
        result.setdefault("changed", False)
        if self._passed_on:
            result["invocation"] = {"module_args": remove_values(self.params, self.module.no_log_values)}
            self.module.no_log_values.difference_update(self._passed_on)
        self.module.exit_json(**result)
