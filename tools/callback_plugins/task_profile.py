# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-task wall time of a playbook run, for the benchmark (tools/bench_lab.py); not shipped.

Enabled by the bench with ANSIBLE_CALLBACKS_ENABLED=task_profile and ANSIBLE_CALLBACK_PLUGINS=tools/callback_plugins.
Writes a JSON list to $FSIP_TASK_PROFILE: one entry per task as it ran (a task in a loop or an include
is one entry), with its seconds from its start to the start of the next one, its seconds from its start
to its last host's result (result_seconds), and how many hosts it changed, skipped or ran on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_profile
type: aggregate
short_description: per-task wall time as JSON (benchmark tool)
description: Writes one entry per task to the file named by the environment variable FSIP_TASK_PROFILE.
requirements: [enabled in the configuration]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_profile"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._tasks = []
        self._current = None

    def _close(self):
        if self._current is not None:
            self._current["seconds"] = round(time.monotonic() - self._current.pop("started"), 3)
            self._tasks.append(self._current)
            self._current = None

    def _start(self, task, kind):
        self._close()
        self._current = {"task": task.get_name().strip(), "action": task.action, "kind": kind,
                         "started": time.monotonic(), "ok": 0, "changed": 0, "skipped": 0, "failed": 0}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task, "task")

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task, "handler")

    def _count(self, key, result=None):
        if self._current is not None:
            self._current[key] += 1
            self._current["result_seconds"] = round(time.monotonic() - self._current["started"], 3)
            if key == "ok" and result is not None and result._result.get("changed"):
                self._current["changed"] += 1

    def v2_runner_on_ok(self, result):
        self._count("ok", result)

    def v2_runner_on_skipped(self, result):
        self._count("skipped")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count("failed")

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get("FSIP_TASK_PROFILE")
        if path:
            with open(path, "w") as out:
                json.dump(self._tasks, out, indent=1)
