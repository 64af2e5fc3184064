"""One simulator per test module and mode of the internal view, a clean state per test, and `play` to run
one of the playbooks of tests/integration/playbooks.

Every test that takes `sim` (or `cloud`, `play`, `playbook`) runs twice: with the internal view
(`GET /ip_addresses/{id}/ports`) hidden, as tenants of the real cloud see it, and with it served
(cloud-api.md section 3). The modules must work fully either way.

A test that takes `play` runs its playbooks twice more: in-process (`InProcess`: each task's module run in
this process with what the playbook gives it, milliseconds a task) and through a real ansible-playbook
(`Play`: seconds a run); hosts that ansible-playbook runs with forks run in-process in forked processes,
all at once. A test of what only Ansible does (its output with --diff, no_log) takes `playbook` instead:
ansible-playbook only. `make check` leaves out the tests marked `twin` here (the
ansible-playbook twin of an in-process test, and a `playbook` test's run with the internal view served);
`make test` runs them all. The ansible-playbook twin runs with the internal view hidden only, and a
`playbook` test sets up in-process only: the other runs would repeat what one of these already shows.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest

from ansible_collections.failover.shared_ip.plugins.modules import address, address_info, binding, cluster
from ansible_collections.failover.shared_ip.plugins.modules import auth as auth_module
from ansible_collections.failover.shared_ip.tests.unit.plugins.modules.module_support import run

from testbed.fakecloud import builtin, start
from tests.integration.cloudcheck import CloudCheck

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
COLLECTIONS = ROOT / ".build" / "collections"


def lab_fixture():
    """The built-in fixture plus what the refusals need: a v4-only network, a server without a port on
    cluster-net, and a server with two ports on it."""
    data = builtin()
    data["networks"].append({"name": "v4-net", "region": "DFW", "tenant": "123456",
                             "subnets": [{"cidr": "10.20.0.0/24", "allocate_from": "10.20.0.100"}]})
    for server in data["servers"]:
        if server["name"] in ("node01", "node02"):
            nn = int(server["name"][4:])
            server["ports"].append({"network": "v4-net", "fixed_ips": ["10.20.0.%d" % (10 + nn)]})
    base = [s for s in data["servers"] if s["name"] == "node01"][0]
    data["servers"].append(dict(base, name="solo", ports=base["ports"][:2], metadata={}))
    data["servers"].append(dict(base, name="twoport", metadata={}, ports=base["ports"][:2] + [
        {"network": "cluster-net", "id": "7c0ffee0-0000-4000-8000-000000000061", "fixed_ips": ["192.168.100.61"]},
        {"network": "cluster-net", "id": "7c0ffee0-0000-4000-8000-000000000062", "fixed_ips": ["192.168.100.62"]}]))
    for shift, server in ((50, data["servers"][-2]), (60, data["servers"][-1])):
        server["ports"] = [dict(p, fixed_ips=[_shift(ip, shift) for ip in p["fixed_ips"]])
                           if p["network"] != "cluster-net" else p for p in server["ports"]]
    # A server whose cluster-net port already holds 5 fixed addresses: the port limit, reached
    # without any shared IP on it.
    data["servers"].append(dict(base, name="fullport", metadata={}, ports=[
        dict(p, fixed_ips=[_shift(ip, 70) for ip in p["fixed_ips"]]) for p in base["ports"][:2]] + [
        {"network": "cluster-net", "fixed_ips": ["192.168.100.70", "192.168.100.71", "192.168.100.72",
                                                 "fd00:100::70", "fd00:100::71"]}]))
    return data


def _shift(ip, by):
    """Another fixed IP in the same subnet for the extra servers' PublicNet/ServiceNet ports."""
    sep = "." if "." in ip else ":"
    head, _sep, last = ip.rpartition(sep)
    return "%s%s%d" % (head, sep, int(last) + by)


VIEWS = ("hidden", "served")


@pytest.fixture(scope="module", params=VIEWS, ids=["internal-view-" + v for v in VIEWS])
def sim(request):
    simulator = start(port=0, fixture=lab_fixture(), internal_view=request.param == "served")
    simulator.view = request.param
    yield simulator
    simulator.stop()


@pytest.fixture
def cloud(sim):
    check = CloudCheck(sim.url)
    check.reset_state()
    assert check.sim("GET", "config")["internal_view"] == (sim.view == "served")
    return check


class Play:
    """Runs a playbook of tests/integration/playbooks and returns what its tasks registered."""

    def __init__(self, sim, tmp_path):
        self.sim = sim
        self.tmp_path = tmp_path
        self.runs = 0

    def env(self):
        env = dict(os.environ)
        env.update(self.ENV)
        for name in self.UNSET:
            env.pop(name, None)
        return env

    ENV = {
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "RAX_USERNAME": "demo",
        "RAX_API_KEY": "demo-api-key",
    }
    UNSET = ("RAX_CREDENTIALS", "RAX_CREDS_FILE", "RAX_REGION", "RAX_PASSWORD")

    def __call__(self, playbook, check=False, diff=False, inventory=None, forks=None, timeout=600, **extra):
        self.runs += 1
        out = self.tmp_path / ("result-%d.json" % self.runs)
        extra.update(identity_url=self.sim.identity_url, result_file=str(out),
                     ansible_python_interpreter=sys.executable)
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(PLAYBOOKS / playbook),
               "-e", json.dumps(extra)]
        if inventory:
            cmd += ["-i", str(inventory)]
        if forks:
            cmd += ["--forks", str(forks)]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        proc = subprocess.run(cmd, env=self.env(), capture_output=True, text=True, timeout=timeout, cwd=str(ROOT), check=False)
        if not out.exists():
            raise AssertionError("playbook %s wrote no result (rc %d)\n%s\n%s"
                                 % (playbook, proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))
        result = json.loads(out.read_text())
        result["_stdout"] = proc.stdout
        result["_rc"] = proc.returncode
        return result


class InProcess:
    """What a playbook of tests/integration/playbooks registers, without ansible-playbook: each task's module
    runs in this process (module_support.run) with the arguments the playbook would give it (its
    module_defaults, the loop's item, --check and --diff) and the environment Play gives ansible-playbook.
    A module that crashes is recorded as Ansible records it (failed, module_stderr) rather than raised."""

    def __init__(self, sim):
        self.sim = sim

    def module(self, module, args, check=False, diff=False, environment=None):
        captured = io.StringIO()
        output = SimpleNamespace(readouterr=lambda: SimpleNamespace(out=captured.getvalue()))
        env = dict((k, v) for k, v in os.environ.items() if k not in Play.UNSET)
        try:
            with mock.patch.dict(os.environ, dict(env, **dict(Play.ENV, **(environment or {}))), clear=True), \
                    contextlib.redirect_stdout(captured):
                result = run(module, dict(args, _ansible_diff=diff), output, check=check)
        except Exception:  # pylint: disable=broad-except  # a crash, as Ansible reports it
            return {"failed": True, "msg": "MODULE FAILURE", "module_stderr": traceback.format_exc()}
        result.setdefault("changed", False)
        return result

    @staticmethod
    def at_once(runs):
        """Every run in a process of its own, all started together, as ansible-playbook's forks run hosts."""
        children = []
        for each in runs:
            reader, writer = os.pipe()
            pid = os.fork()
            if pid == 0:        # the child: run, hand the result over, and leave without pytest's cleanup
                os.close(reader)
                try:
                    result = each()
                except BaseException:  # pylint: disable=broad-except  # reported to the parent as a failure
                    result = {"failed": True, "msg": traceback.format_exc()}
                with os.fdopen(writer, "w") as pipe:
                    json.dump(result, pipe)
                os._exit(0)
            os.close(writer)
            children.append((pid, reader))
        results = []
        for pid, reader in children:
            with os.fdopen(reader) as pipe:
                results.append(json.loads(pipe.read() or '{"failed": true, "msg": "no result"}'))
            os.waitpid(pid, 0)
        return results

    def __call__(self, playbook, check=False, diff=False, use_auth=False, **extra):
        defaults = {"identity_url": self.sim.identity_url}
        if use_auth:
            defaults.update(self.module(auth_module, defaults, check=check)["auth"])

        def each(module, items, **more):
            return {"results": [self.module(module, dict(defaults, **dict(more, **item)), check, diff)
                                for item in items]}

        if playbook == "address.yml":
            return each(address, extra["shared_ips"])
        if playbook == "address_info.yml":
            return each(address_info, extra["queries"])
        if playbook == "binding.yml" and "target" not in extra:
            return {"localhost": each(binding, extra["bindings"], server="localhost")}
        if playbook == "binding.yml":
            hosts = _hosts(extra["inventory"], extra["target"])
            return dict(zip(hosts, self.at_once([
                lambda host=host: each(binding, extra["bindings"], server=host) for host in hosts])))
        if playbook == "auth.yml":
            login = self.module(auth_module, dict(defaults, **extra.get("login", {})), check)
            if login.get("failed"):
                return {"auth": login, "listed": {}}
            return {"auth": login, "listed": self.module(address_info, dict(login["auth"], network="cluster-net", **defaults),
                                                         check, environment={"RAX_USERNAME": "", "RAX_API_KEY": ""})}
        if playbook == "cluster.yml":
            return self.module(cluster, dict(defaults, **extra["cluster"]), check, diff)
        raise AssertionError("%s %s needs ansible-playbook: take the playbook fixture" % (playbook, sorted(extra)))


def _hosts(inventory, group):
    """The hosts of ``group`` in an INI inventory of one group (the first word of each host line)."""
    lines = [line.split()[0] for line in Path(inventory).read_text().splitlines() if line.strip()]
    assert lines[0] == "[%s]" % group, lines[0]
    return lines[1:]


ENGINES = {"in-process": lambda sim, tmp_path: InProcess(sim), "ansible-playbook": Play}


@pytest.fixture(params=sorted(ENGINES))
def play(request, sim, tmp_path):
    """Runs a playbook in-process and, as the test's `twin` (make test only), through ansible-playbook."""
    return ENGINES[request.param](sim, tmp_path)


@pytest.fixture
def playbook(sim, tmp_path):
    """ansible-playbook only: for what only Ansible does (its output, no_log)."""
    return Play(sim, tmp_path)


def _repeats(params, fixtures):
    """An ansible-playbook run that another run of the same test already covers: the internal view served
    (the in-process run covers it: the view changes what the modules read, not what Ansible does), or the
    setup of an ansible-playbook-only test done through ansible-playbook rather than in-process."""
    through_ansible = params.get("play") == "ansible-playbook"
    return through_ansible and (params.get("sim") == "served" or "playbook" in fixtures)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Leave out the runs that repeat another (_repeats), and mark `twin` what make check may leave out:
    the ansible-playbook run of a test that also runs in-process, and the internal view served for a test
    that runs through ansible-playbook only."""
    kept, repeats = [], []
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params or {}
        if _repeats(params, item.fixturenames):
            repeats.append(item)
            continue
        if params.get("play") == "ansible-playbook" or ("playbook" in item.fixturenames and params.get("sim") == "served"):
            item.add_marker(pytest.mark.twin)
        kept.append(item)
    if repeats:
        config.hook.pytest_deselected(items=repeats)
        items[:] = kept


def names(n):
    return ["node%02d" % i for i in range(1, n + 1)]
