"""The lab's network: a namespace of its own holding the bridge, the client, links, partitions.

Each lab lives in its own network namespace `fsip-<name>` (the lab's "host side": bridge
`fsip-<name>` with 192.168.100.1/24 and fd00:100::1/64), so that labs never touch the machine's
own network and several labs with the same address plan can run at once. The client is a second
namespace `fsip-<name>-client` whose eth0 is on the bridge. Members are started inside the lab
namespace, so nspawn's veths land there too. The machine reaches members over ssh through
`relay.py` (ProxyCommand), run inside the lab namespace.
"""

import json
import shutil
import time
from pathlib import Path

from ._run import LabError, run

SUBNET4 = "192.168.100"
SUBNET6 = "fd00:100:"
HOST4 = f"{SUBNET4}.1/24"
HOST6 = f"{SUBNET6}:1/64"
CLIENT4 = f"{SUBNET4}.250"
CLIENT6 = f"{SUBNET6}:250"
IFNAMSIZ = 15


def member_addresses(index):
    """node<index> -> (IPv4, IPv6) without prefix: node01 -> 192.168.100.11, fd00:100::11."""
    return f"{SUBNET4}.{10 + index}", f"{SUBNET6}:{10 + index}"


def lab_netns(lab):
    return f"fsip-{lab}"


def bridge_name(lab):
    return _ifname(f"fsip-{lab}")


def client_veth(lab):
    return _ifname(f"fsipc-{lab}")


def netns_name(lab):
    """The client's namespace."""
    return f"fsip-{lab}-client"


def nft_table(lab):
    return f"fsip_{lab}".replace("-", "_")


def _ifname(name):
    if len(name) > IFNAMSIZ:
        raise LabError(f"interface name {name!r} is longer than {IFNAMSIZ} characters: use a shorter lab name")
    return name


def ip(ns, *args, check=True):
    return run(["ip", "-n", ns, *args], check=check)


def links(ns):
    return json.loads(ip(ns, "-j", "link", "show", check=False).stdout or "[]")


def link_exists(ns, name):
    return ip(ns, "link", "show", "dev", name, check=False).returncode == 0


def netns_list():
    out = run(["ip", "-j", "netns", "list"], check=False).stdout.strip()
    return [ns["name"] for ns in json.loads(out or "[]")]


def ensure_netns(ns):
    if ns not in netns_list():
        run(["ip", "netns", "add", ns])
    ip(ns, "link", "set", "lo", "up")


def ensure_bridge(lab):
    ns, name = lab_netns(lab), bridge_name(lab)
    ensure_netns(ns)
    if not link_exists(ns, name):
        # No STP delay, no multicast snooping: every member must see every advert and NA at once.
        ip(ns, "link", "add", name, "type", "bridge", "stp_state", "0", "forward_delay", "0",
           "mcast_snooping", "0")
    ip(ns, "addr", "replace", HOST4, "dev", name)
    ip(ns, "addr", "replace", HOST6, "dev", name, "nodad")
    ip(ns, "link", "set", name, "up")


def ensure_client(lab):
    """The client host: a network namespace with eth0 on the bridge."""
    ns, client, veth, bridge = lab_netns(lab), netns_name(lab), client_veth(lab), bridge_name(lab)
    ensure_netns(client)
    if not link_exists(ns, veth):
        ip(ns, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", client)
    ip(ns, "link", "set", veth, "master", bridge, "up")
    ip(client, "addr", "replace", f"{CLIENT4}/24", "dev", "eth0")
    ip(client, "addr", "replace", f"{CLIENT6}/64", "dev", "eth0", "nodad")
    ip(client, "link", "set", "eth0", "up")


def set_link(ns, name, up):
    ip(ns, "link", "set", name, "up" if up else "down")


def delete_link(ns, name):
    ip(ns, "link", "del", name, check=False)


def delete_netns(name):
    run(["ip", "netns", "del", name], check=False)


def veth_of_container(ns, pid, wait=5.0):
    """The lab-side name of a container's host0, found through its peer index.

    Right after nspawn starts, host0 may not exist yet or still read iflink 0 (its peer not yet
    moved into the lab namespace): wait up to `wait` seconds for a peer that the namespace holds.
    """
    iflink = Path(f"/proc/{pid}/root/sys/class/net/host0/iflink")
    deadline = time.monotonic() + wait
    while True:
        try:
            index = int(iflink.read_text())
        except (FileNotFoundError, ValueError):
            index = 0
        name = next((link["ifname"] for link in links(ns) if index and link["ifindex"] == index), None)
        if name:
            return name
        if time.monotonic() > deadline:
            raise LabError(f"no interface with index {index} in {ns} (container pid {pid}) after {wait:g} s")
        time.sleep(0.05)


def nft_command(image):
    """The machine's nft, or the lab image's (chrooted; same kernel)."""
    host = shutil.which("nft")
    return [host] if host else ["chroot", str(image), "nft"]


def _nft(lab, image):
    """nft inside the lab namespace."""
    return ["ip", "netns", "exec", lab_netns(lab), *nft_command(image)]


def nft(lab, image, *args, input=None, check=True):
    """Run nft in the lab namespace (`-f -` with `input` for a batch)."""
    return run([*_nft(lab, image), *args], input=input, check=check)


def partition(lab, image, side_a, side_b):
    """Drop every frame bridged between the ports in side_a and those in side_b (both ways).

    The lab host and the client still reach both sides: only member-to-member traffic across the
    cut is lost, as when the link between two racks fails.
    """
    a = ", ".join(f'"{name}"' for name in side_a)
    b = ", ".join(f'"{name}"' for name in side_b)
    rules = (f"table bridge {nft_table(lab)} {{\n"
             "  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
             f"    iifname {{ {a} }} oifname {{ {b} }} drop\n"
             f"    iifname {{ {b} }} oifname {{ {a} }} drop\n  }}\n}}\n")
    heal(lab, image)
    run([*_nft(lab, image), "-f", "-"], input=rules)


def heal(lab, image):
    if lab_netns(lab) in netns_list():
        run([*_nft(lab, image), "delete", "table", "bridge", nft_table(lab)], check=False)
