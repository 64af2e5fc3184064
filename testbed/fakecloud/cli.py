"""Command line.

python3 testbed/fakecloud --port PORT [options]    serve; prints the listening line once ready
python3 testbed/fakecloud servers --port PORT      list the servers an account sees on a running simulator
"""
import argparse
import os
import signal
import sys
import time

from .faults import FaultError
from .server import Simulator


def parse(argv):
    p = argparse.ArgumentParser(prog="fakecloud", description="Local simulator of the Rackspace shared IP APIs.")
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    p.add_argument("--fixture", help="YAML fixture file (needs PyYAML); default: the built-in fixture")
    p.add_argument("--latency-ms", type=float, default=0, help="delay every cloud request by this much")
    p.add_argument("--error-rate", type=float, default=0.0, help="fraction (0-1) of requests answered with an error")
    p.add_argument("--error-status", type=int, default=503, help="status of those errors: 500, 503, 413, 429, ...")
    p.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds for 413/429/503")
    p.add_argument("--drop-after-write-rate", type=float, default=0.0,
                   help="fraction (0-1) of writes applied and then answered by closing the connection")
    p.add_argument("--token-ttl", type=float, default=None, help="token lifetime in seconds (default 86400)")
    p.add_argument("--seed", type=int, default=None, help="seed for the random faults")
    p.add_argument("--internal-view", action="store_true",
                   help="serve GET /ip_addresses/{id}/ports[/{port}] to tenants (hidden by default, as in the cloud)")
    p.add_argument("--extra-servers", type=int, default=None, metavar="N",
                   help="N servers unrelated to any cluster (bulk-00001...), each with its fixed addresses "
                        "(overrides the fixture's extra_servers)")
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return p.parse_args(argv)


def parse_servers(argv):
    p = argparse.ArgumentParser(prog="fakecloud servers",
                                description="List the servers that an account of a running simulator sees, "
                                            "with their networks and addresses (what `servers` options name).")
    p.add_argument("--port", type=int, default=8900, help="the simulator's port on 127.0.0.1 (default 8900)")
    p.add_argument("--username", default="demo", help="the account's user (default demo)")
    p.add_argument("--api-key", default="demo-api-key", help="its API key (default demo-api-key)")
    p.add_argument("--region", default=None, help="region (default: the account's default region)")
    return p.parse_args(argv)


def servers(argv):
    """Print one line per server of the account: name, public IP zone, status, addresses by network."""
    from .client import Session  # the simulator's caller, not the simulator

    args = parse_servers(argv)
    url = "http://127.0.0.1:%d/v2.0" % args.port
    deadline = time.monotonic() + 5  # a simulator started on the line before may still be binding its port
    while True:
        try:
            cloud = Session(url, args.username, api_key=args.api_key, region=args.region)
            found = cloud.get_all("compute", "/servers/detail", "servers")
            break
        except ConnectionError as exc:
            if time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            sys.exit("fakecloud servers: %s: %s (is the simulator running? python3 testbed/fakecloud --port %d)"
                     % (url, exc, args.port))
        except (OSError, RuntimeError) as exc:
            sys.exit("fakecloud servers: %s: %s" % (url, exc))
    rows = [("name", "zone", "status", "addresses by network")]
    for server in sorted(found, key=lambda s: s["name"]):
        nets = "  ".join("%s %s" % (net, ",".join(a["addr"] for a in addrs))
                         for net, addrs in sorted(server.get("addresses", {}).items()))
        rows.append((server["name"], server.get("RAX-PUBLIC-IP-ZONE-ID:publicIPZoneId", "-"), server["status"], nets))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    try:
        print("account %s, region %s, %d servers" % (args.username, cloud.region, len(found)))
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
        sys.stdout.flush()
    except BrokenPipeError:     # `... servers | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["servers"]:
        return servers(argv[1:])
    args = parse(argv)
    try:
        sim = Simulator(port=args.port, fixture=args.fixture, latency_ms=args.latency_ms, token_ttl=args.token_ttl,
                        error_rate=args.error_rate, error_status=args.error_status, retry_after=args.retry_after,
                        drop_after_write_rate=args.drop_after_write_rate, seed=args.seed, verbose=args.verbose,
                        internal_view=args.internal_view, extra_servers=args.extra_servers)
    except (FaultError, ValueError, OSError) as exc:
        sys.exit("fakecloud: %s" % exc)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("fakecloud listening on %s" % sim.url, flush=True)
    try:
        sim.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        sim.httpd.server_close()
    return 0
