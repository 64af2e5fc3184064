# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base of the cloud modules: connection options, client, errors, running the steps.

Every module takes the same way through: parameters -> client -> read step (_read) -> decide step
(_decide, pure) -> apply step (here: the steps performed, or in check mode applied to a copy with
the same transition function) -> result and diff. The flows themselves are in _tasks.
"""

import os
import traceback
from concurrent.futures import ThreadPoolExecutor

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
from ansible_collections.failover.shared_ip.plugins.module_utils._cloud import ALREADY, Cloud
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import PlanError
from ansible_collections.failover.shared_ip.plugins.module_utils._read import POOL_SIZE

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
        super().__init__(
            "%s (while trying to %s). Done: %s. Not done: %s. Run again to converge."
            % (first, "; ".join(steps_.describe(s) for s, _e in failed),
               "; ".join(steps_.describe(s) for s in done) or "nothing",
               "; ".join(steps_.describe(s) for s in not_done) or "nothing"))


class Runner:
    """Performs steps with a Cloud: the parallel kinds of one phase in a bounded pool.

    ``unchanged`` collects the steps the cloud answered were already done (an association that
    exists): they change nothing.
    """

    def __init__(self, cloud, context=None, pool_size=POOL_SIZE):
        self.cloud = cloud
        self.context = context or {}
        self.pool_size = pool_size
        self.unchanged = []

    def run(self, state, steps, done=None):
        done = [] if done is None else done
        phases = steps_.phases(steps)
        for index, phase in enumerate(phases):
            results, failed = self._run_phase(state, phase)
            for step, result in results:
                state = steps_.apply_step(state, step, result)
                done.append(step)
                if result is ALREADY:
                    self.unchanged.append(step)
            if failed:
                rest = [s for p in phases[index + 1:] for s in p]
                raise StepsFailed(state, done, failed, rest)
        return state

    def run_many(self, plans):
        """{key: (state, steps)} -> {key: state after}, the plans side by side (a pool of their own).

        A failure in one plan lets the others finish; then StepsFailed reports all of them, its
        ``state`` being {key: state} as far as each got.
        """
        keys = [k for k, (_s, steps) in plans.items() if steps]
        after = dict((k, state) for k, (state, _steps) in plans.items())
        outcomes = {}

        def one(key):
            done = []
            try:
                return True, self.run(plans[key][0], plans[key][1], done), done
            except StepsFailed as exc:
                return False, exc, done

        if keys:
            with ThreadPoolExecutor(max_workers=min(self.pool_size, len(keys))) as pool:
                outcomes = dict(zip(keys, pool.map(one, keys)))
        failures = [(k, o) for k, o in outcomes.items() if not o[0]]
        for key, (ok, out, _done) in outcomes.items():
            after[key] = out if ok else out.state
        if failures:
            done = [s for k in keys for s in outcomes[k][2]]
            failed = [f for _k, (_ok, exc, _d) in failures for f in exc.failed]
            not_done = [s for _k, (_ok, exc, _d) in failures for s in exc.not_done]
            raise StepsFailed(after, done, failed, not_done)
        return after

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
            return True, steps_.perform(self.cloud, state, step, self.context)
        except ApiError as exc:
            return False, exc


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
        """The Cloud, logged in before the read step's parallel calls start (one login, done here
        rather than by whichever thread of the pool comes first)."""
        if self._cloud is None:
            client = self.client()
            if not (client.token and client.network_url and client.compute_url):
                client.authenticate()
            self._cloud = Cloud(client)
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
        invocation and in every failure, shown only in the successful result (see reveal)."""
        known = set(self.module.no_log_values)
        self._passed_on = [v for v in values if v and v not in known]
        self.module.no_log_values.update(self._passed_on)

    def reveal(self, result):
        """exit_json with the hidden values left in the result, the invocation still masked."""
        if self._passed_on:
            result["invocation"] = {"module_args": remove_values(self.params, self.module.no_log_values)}
            self.module.no_log_values.difference_update(self._passed_on)
        self.module.exit_json(**result)

    def exit(self, before, after, steps, **result):
        """exit_json with changed, the actions taken (or that would be), and the diff."""
        result.setdefault(self.result_key, after or {})
        result["changed"] = bool(self.changed(steps))
        result["actions"] = [steps_.describe(s) for s in steps]
        if self.module._diff:
            result["diff"] = {"before": steps_.diff_view(before), "after": steps_.diff_view(after)}
        self.module.exit_json(**result)
