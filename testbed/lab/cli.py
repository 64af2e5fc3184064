"""Command line of the lab: `python -m testbed.lab COMMAND`; every command but up/down prints JSON."""

import argparse
import json
import sys

from ._run import LabError
from .lab import DEFAULT_NAME, Lab, all_lab_names


def _members(text):
    return [name.strip() for name in text.split(",") if name.strip()]


def _parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--name", default=argparse.SUPPRESS, help=f"lab name (default {DEFAULT_NAME})")
    parser = argparse.ArgumentParser(prog="python -m testbed.lab", description=__doc__)
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"lab name (default {DEFAULT_NAME})")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser = sub.add_parser
    sub.add_parser = lambda *a, **kw: add_parser(*a, parents=[common], **kw)
    up = sub.add_parser("up", help="build the lab (idempotent) and wait until ssh answers")
    up.add_argument("--members", type=int, default=3)
    up.add_argument("--distro", default="bookworm")
    up.add_argument("--cloud", metavar="URL", help="the cloud simulator (testbed/fakecloud) whose servers the members "
                    "play: the bridge then lets each member send only what the simulator allows its port")
    up.add_argument("--cloud-region", default="DFW", help="region of the members' servers (default DFW)")
    up.add_argument("--cloud-network", default="cluster-net", help="network of their ports (default cluster-net)")
    cloud = sub.add_parser("cloud-start", help="start a simulator owned by the lab (stopped by down); prints its URL")
    cloud.add_argument("--port", type=int, default=0)
    sub.add_parser("portsec", help="port security: allowed addresses and drop counters per member (from the bridge)")
    down = sub.add_parser("down", help="remove the lab and everything it made")
    down.add_argument("--all", action="store_true", help="remove every fsip lab on this machine")
    sub.add_parser("status", help="members, links, addresses")
    for verb in ("cut", "restore", "mac"):
        sub.add_parser(verb, help=f"{verb} a member's link" if verb != "mac" else "a member's MAC").add_argument(
            "member")
    run = sub.add_parser("exec", help="run a shell command inside a member")
    run.add_argument("member")
    run.add_argument("cmd")
    part = sub.add_parser("partition", help="cut member-to-member traffic between two sets")
    part.add_argument("side_a", type=_members, help="e.g. node01")
    part.add_argument("side_b", type=_members, help="e.g. node02,node03")
    sub.add_parser("heal", help="undo the partition")
    neigh = sub.add_parser("neigh", help="the client's neighbour entry for an address, and whose MAC it is")
    neigh.add_argument("address")
    neigh.add_argument("--forget", action="store_true", help="drop the entry first (the next packet resolves afresh)")
    probe = sub.add_parser("probe", help="client pings an address for a while")
    probe.add_argument("address")
    probe.add_argument("--seconds", type=float, default=2.0)
    probe.add_argument("--interval-ms", type=float, default=10.0)
    pstart = sub.add_parser("probe-start", help="start pinging an address in the background")
    pstart.add_argument("address")
    pstart.add_argument("--tag", default="probe")
    pstart.add_argument("--max-seconds", type=float, default=120.0)
    pstart.add_argument("--interval-ms", type=float, default=10.0)
    sub.add_parser("probe-stop", help="stop a background probe, print its result").add_argument(
        "--tag", default="probe")
    cstart = sub.add_parser("capture-start", help="capture GARPs and unsolicited NAs on the bridge")
    cstart.add_argument("--tag", default="capture")
    cstart.add_argument("--max-seconds", type=float, default=600.0)
    cstart.add_argument("--member", help="capture on this member's bridge port (all it sends) instead of the bridge")
    cstop = sub.add_parser("capture-stop", help="stop a capture, print the announcements seen")
    cstop.add_argument("--tag", default="capture")
    cstop.add_argument("--address", action="append", help="keep only announcements of this address")
    return parser


def _run(args):
    if args.command == "down" and args.all:
        names = all_lab_names()
        for name in names:
            Lab(name).down()
        return {"removed": names}
    lab = Lab(args.name, members=getattr(args, "members", 3), distro=getattr(args, "distro", "bookworm"),
              log=lambda msg: print(msg, file=sys.stderr), cloud=getattr(args, "cloud", None),
              cloud_region=getattr(args, "cloud_region", "DFW"), cloud_network=getattr(args, "cloud_network", "cluster-net"))
    command = args.command
    if command == "cloud-start":
        return {"url": lab.start_cloud(port=args.port)}
    if command == "portsec":
        return lab.port_security()
    if command == "up":
        lab.up()
        return {"name": lab.name, "inventory": str(lab.inventory), "members": lab.names}
    if command == "down":
        lab.down()
        return {"removed": [lab.name]}
    if command == "status":
        return lab.status()
    if command in ("cut", "restore"):
        (lab.cut_link if command == "cut" else lab.restore_link)(args.member)
        return {"member": args.member, "link": "down" if command == "cut" else "up"}
    if command == "mac":
        return {"member": args.member, "mac": lab.mac_of(args.member)}
    if command == "exec":
        proc = lab.member(args.member).exec(args.cmd, check=False)
        return {"member": args.member, "rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
    if command == "partition":
        lab.partition(args.side_a, args.side_b)
        return {"partition": [args.side_a, args.side_b]}
    if command == "heal":
        lab.heal()
        return {"partition": None}
    if command == "neigh":
        if args.forget:
            lab.client.forget(args.address)
        entry = lab.client.neighbour(args.address)
        entry["holder"] = lab.holder_of(args.address)
        return entry
    if command == "probe":
        return lab.client.probe(args.address, seconds=args.seconds, interval_ms=args.interval_ms)
    if command == "probe-start":
        lab.start_probe(args.address, tag=args.tag, max_seconds=args.max_seconds, interval_ms=args.interval_ms)
        return {"tag": args.tag, "address": args.address}
    if command == "probe-stop":
        return lab.probe(args.tag).stop()
    if command == "capture-start":
        lab.start_capture(args.tag, max_seconds=args.max_seconds, member=args.member)
        return {"tag": args.tag}
    if command == "capture-stop":
        seen = lab.capture(args.tag).stop()
        if args.address:
            seen = [event for event in seen if event["address"] in args.address]
        macs = {lab.mac_of(name): name for name in lab.names}
        for event in seen:
            event["member"] = macs.get(event["mac"])
        return {"tag": args.tag, "count": len(seen), "announcements": seen}
    raise LabError(f"unknown command {command}")


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        result = _run(args)
    except LabError as exc:
        print(f"lab: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=None if args.command in ("up", "down", "cloud-start") else 2))
    return 0
