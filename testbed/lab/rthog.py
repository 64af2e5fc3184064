"""A burst of realtime CPU hogs, one per core, ended from outside (testbed/lab/faults.py, rt_burst).

Run as SCHED_FIFO 99 (`chrt -f 99 python3 rthog.py --ms 300`): forks one child per core, pinned to it, at
SCHED_FIFO --priority, busy looping; sleeps --ms; kills them. A child also stops by itself at its deadline and
the kernel kills it at RLIMIT_RTTIME (deadline + 0.5 s of CPU), should this parent die first.
Standalone on purpose: no import from the lab package.
"""

import argparse
import os
import resource
import signal
import time


def hog(cpu, priority, seconds):
    os.sched_setaffinity(0, {cpu})
    limit = int((seconds + 0.5) * 1_000_000)
    resource.setrlimit(resource.RLIMIT_RTTIME, (limit, limit))
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    deadline = time.monotonic() + seconds + 0.2
    while time.monotonic() < deadline:
        pass
    os._exit(0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ms", type=float, required=True)
    parser.add_argument("--priority", type=int, default=50)
    parser.add_argument("--cpus", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    seconds = min(args.ms, 2000.0) / 1000.0
    children = []
    for cpu in range(args.cpus):
        pid = os.fork()
        if pid == 0:
            try:
                hog(cpu, args.priority, seconds)
            finally:
                os._exit(1)
        children.append(pid)
    time.sleep(seconds)
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
