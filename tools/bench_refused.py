"""How long a module task takes to fail when nothing listens at the identity URL, beside a ping task
(issue 16): through ansible-playbook with the task_profile callback (tools/callback_plugins), each task
timed from its start to its result, the first use of each module in the run and a repeat.

`python -m tools.bench_refused` prints the figure alone in a few seconds; `make bench` prints it with the
control-plane figures. Nothing here asserts a time.
"""

import argparse
import json
import socket
import sys

from tools.cloud import DEMO_LOGIN
from tools.paths import ROOT, WORK
from tools.playbook import cloud_env, local_inventory, run_playbook
from tools.progress import detail, step
from tools.stats import show, summary
from tools.table import table

PLAYBOOK = ROOT / "tools" / "bench_refused.yml"
CALLBACKS = ROOT / "tools" / "callback_plugins"


def closed_port():
    """A loopback port nothing listens on (bound a moment ago, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one(inv, i):
    """One run of the playbook: {task name: seconds from its start to its result}."""
    profile = inv.parent / f"refused-{i}.profile.json"
    log = inv.parent / f"refused-{i}.log"
    env = {**cloud_env(DEMO_LOGIN), "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
           "ANSIBLE_CALLBACKS_ENABLED": "task_profile", "FSIP_TASK_PROFILE": str(profile)}
    url = f"http://127.0.0.1:{closed_port()}/v2.0"
    run = run_playbook(inv, log, extra_vars={"bench_refused_url": url}, env=env, playbook=PLAYBOOK)
    if run.rc != 0:
        raise RuntimeError(f"the refused-connection playbook exited with {run.rc}; see {log}:\n{run.tail(15)}")
    tasks = {e["task"]: e for e in json.loads(profile.read_text())}
    for name, entry in tasks.items():
        if entry["action"] != "ansible.builtin.ping" and not entry["failed"]:
            raise RuntimeError(f"{name!r} did not fail although nothing listens at {url}; see {log}")
    return {name: e["result_seconds"] for name, e in tasks.items()}


def bench_refused(inv, runs=3):
    """Median (min-max) task seconds of each task of tools/bench_refused.yml over `runs` runs (`inv`: an
    inventory of localhost; the runs' logs and profiles go beside it)."""
    seconds = {}
    for i in range(1, runs + 1):
        step(f"a refused connection beside a ping {i}/{runs}")
        one = _one(inv, i)
        detail(", ".join(f"{name}: {s:.2f}s" for name, s in one.items()))
        for name, s in one.items():
            seconds.setdefault(name, []).append(s)
    return {"runs": runs, "tasks": {name: summary(values) for name, values in seconds.items()}}


def refused_report(figures):
    rows = [[name, show(s, " s", 2)] for name, s in figures["tasks"].items()]
    return (f"A refused connection (nothing listens at identity_url) beside a ping: each task from its start to its "
            f"result, through ansible-playbook; median (min-max) of {figures['runs']} runs\n"
            + table(["task", "task time"], rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    args = parser.parse_args(argv)
    work = WORK / "bench"
    work.mkdir(parents=True, exist_ok=True)
    inv = local_inventory(work / "inventory-cloud.yml")
    print(refused_report(bench_refused(inv, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
