# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base of the cloud modules: connection options, client, errors, running a plan.

Every module takes the same way through: parameters -> client -> read the current
state -> plan (_plan.py) -> apply the plan (check mode: apply it to a copy) -> result
and diff.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.failover.shared_ip.plugins.module_utils import _plan as plan
from ansible_collections.failover.shared_ip.plugins.module_utils._client import (
    DEFAULT_IDENTITY_URL,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    Client,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._cloud import Cloud

POOL_SIZE = 8

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


class StepsFailed(Exception):
    """A write failed half-way: what was done, what failed, what was not done."""

    def __init__(self, state, done, failed, not_done):
        self.state = state
        self.done = done
        self.failed = failed          # [(step, ApiError)]
        self.not_done = not_done
        first = failed[0][1]
        self.error = first
        super(StepsFailed, self).__init__(
            "%s (while trying to %s). Done: %s. Not done: %s. Run again to converge."
            % (first, "; ".join(plan.describe(s) for s, _e in failed),
               "; ".join(plan.describe(s) for s in done) or "nothing",
               "; ".join(plan.describe(s) for s in not_done) or "nothing"))


class Runner:
    """Performs plan steps with a Cloud; per-server steps of one phase run in a bounded pool."""

    def __init__(self, cloud, known_ids=None, pool_size=POOL_SIZE):
        self.cloud = cloud
        self.known_ids = known_ids
        self.pool_size = pool_size

    def run(self, state, steps, done=None):
        done = [] if done is None else done
        phases = plan.phases(steps)
        for index, phase in enumerate(phases):
            results, failed = self._run_phase(state, phase)
            for step, result in results:
                state = plan.apply_step(state, step, result)
                done.append(step)
            if failed:
                rest = [s for p in phases[index + 1:] for s in p]
                raise StepsFailed(state, done, failed, rest)
        return state

    def _run_phase(self, state, phase):
        if len(phase) == 1:
            outcomes = [self._one(state, phase[0])]
        else:
            with ThreadPoolExecutor(max_workers=min(self.pool_size, len(phase))) as pool:
                outcomes = list(pool.map(lambda step: self._one(state, step), phase))
        results = [(step, out) for step, (ok, out) in zip(phase, outcomes) if ok]
        failed = [(step, out) for step, (ok, out) in zip(phase, outcomes) if not ok]
        return results, failed

    def _one(self, state, step):
        try:
            return True, self.perform(state, step)
        except ApiError as exc:
            return False, exc

    def perform(self, state, step):
        action, cloud = step["action"], self.cloud
        ip_id = state["id"] if state else None
        if action == "create":
            return cloud.create_ip_address(step["network_id"], step["version"], port_ids=step["port_ids"],
                                           ip_address=step.get("ip_address"), known_ids=self.known_ids)
        if action == "set_ports":
            return cloud.set_ip_address_ports(ip_id, step["port_ids"])
        if action == "associate":
            return cloud.associate(step["server_id"], ip_id)
        if action == "disassociate":
            return _gone_is_done(cloud.disassociate, step["server_id"], ip_id)
        if action == "label":
            return cloud.set_metadata_item(step["server_id"], step["key"], ip_id)
        if action == "unlabel":
            return _gone_is_done(cloud.delete_metadata_item, step["server_id"], step["key"])
        if action == "delete":
            return _gone_is_done(cloud.delete_ip_address, ip_id)
        raise ValueError("unknown step %r" % (action,))


def _gone_is_done(call, *args):
    """A removal whose target is already gone reached its goal (another run or host did it)."""
    try:
        return call(*args)
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


class CloudModule:
    """AnsibleModule with the connection options, a lazy Cloud, and the plan runner."""

    def __init__(self, argument_spec, mutually_exclusive=None, required_together=None, required_by=None,
                 **kwargs):
        spec = dict(CONNECTION_SPEC)
        spec.update(argument_spec)
        rules = dict((k, list(v) if isinstance(v, list) else dict(v)) for k, v in CONNECTION_RULES.items())
        rules["mutually_exclusive"] += mutually_exclusive or []
        rules["required_together"] += required_together or []
        rules["required_by"].update(required_by or {})
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **dict(rules, **kwargs))
        self.params = self.module.params
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        self._cloud = None

    def client(self, **overrides):
        """A Client from the connection options; a key taken from the environment is masked too."""
        args = connection_params(dict(self.params, **overrides))
        if args["api_key"]:
            self.module.no_log_values.add(args["api_key"])
        try:
            return Client.from_options(**args)
        except ApiError as exc:
            self.fail_api(exc)

    @property
    def cloud(self):
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
        except plan.PlanError as exc:
            self.fail_plan(exc)
        except StepsFailed as exc:
            self.module.fail_json(msg=str(exc), failure=exc.error.failure(),
                                  done=[plan.describe(s) for s in exc.done],
                                  not_done=[plan.describe(s) for s in exc.not_done] +
                                  [plan.describe(s) for s, _e in exc.failed],
                                  **{self.result_key: exc.state or {}})
        except ApiError as exc:
            self.fail_api(exc)
        except Exception as exc:  # a bug: say so, with the traceback for -vvv
            self.module.fail_json(msg="%s: %s" % (type(exc).__name__, exc), exception=traceback.format_exc())

    result_key = "shared_ip"

    # -- one way through -------------------------------------------------------------------------

    def converge(self, before, steps, known_ids=None):
        """The state after the steps: applied to a copy in check mode, performed otherwise."""
        if self.module.check_mode or not steps:
            return plan.apply_all(before, steps)
        return Runner(self.cloud, known_ids=known_ids).run(before, steps)

    def exit(self, before, after, steps, **result):
        """exit_json with changed, the actions taken (or that would be), and the diff."""
        result.setdefault(self.result_key, after or {})
        result["changed"] = bool(steps)
        result["actions"] = [plan.describe(s) for s in steps]
        if self.module._diff:
            result["diff"] = {"before": plan.diff_view(before), "after": plan.diff_view(after)}
        self.module.exit_json(**result)
