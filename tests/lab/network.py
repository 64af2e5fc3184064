"""Host-side plumbing: the bridge, the client's veth and namespace, link cuts, partitions.

Every name starts with `fsip` so that `down --all` can find what a lab left behind.
"""

import json
import shutil
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


def bridge_name(lab):
    return _ifname(f"fsip-{lab}")


def client_veth(lab):
    return _ifname(f"fsipc-{lab}")


def netns_name(lab):
    return f"fsip-{lab}-client"


def nft_table(lab):
    return f"fsip_{lab}".replace("-", "_")


def _ifname(name):
    if len(name) > IFNAMSIZ:
        raise LabError(f"interface name {name!r} is longer than {IFNAMSIZ} characters: use a shorter lab name")
    return name


def links():
    return json.loads(run(["ip", "-j", "link", "show"]).stdout or "[]")


def link_exists(name):
    return run(["ip", "link", "show", "dev", name], check=False).returncode == 0


def netns_list():
    out = run(["ip", "-j", "netns", "list"], check=False).stdout.strip()
    return [ns["name"] for ns in json.loads(out or "[]")]


def ensure_bridge(name):
    if not link_exists(name):
        run(["ip", "link", "add", name, "type", "bridge", "stp_state", "0", "forward_delay", "0"])
        # No multicast snooping: every member must see every advert and NA.
        run(["ip", "link", "set", name, "type", "bridge", "mcast_snooping", "0"])
    run(["ip", "addr", "replace", HOST4, "dev", name])
    run(["ip", "addr", "replace", HOST6, "dev", name, "nodad"])
    run(["ip", "link", "set", name, "up"])


def ensure_client(lab):
    """The client host: a network namespace with eth0 on the bridge."""
    ns, veth, bridge = netns_name(lab), client_veth(lab), bridge_name(lab)
    if ns not in netns_list():
        run(["ip", "netns", "add", ns])
    if not link_exists(veth):
        run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns])
    run(["ip", "link", "set", veth, "master", bridge, "up"])
    nsrun = ["ip", "netns", "exec", ns]
    run([*nsrun, "ip", "link", "set", "lo", "up"])
    run([*nsrun, "ip", "addr", "replace", f"{CLIENT4}/24", "dev", "eth0"])
    run([*nsrun, "ip", "addr", "replace", f"{CLIENT6}/64", "dev", "eth0", "nodad"])
    run([*nsrun, "ip", "link", "set", "eth0", "up"])


def set_link(name, up):
    run(["ip", "link", "set", name, "up" if up else "down"])


def delete_link(name):
    run(["ip", "link", "del", name], check=False)


def delete_netns(name):
    run(["ip", "netns", "del", name], check=False)


def veth_of_container(pid):
    """The host-side name of a container's host0, found through its peer index."""
    iflink = Path(f"/proc/{pid}/root/sys/class/net/host0/iflink")
    try:
        index = int(iflink.read_text())
    except OSError:
        index = int(run(["nsenter", "-t", str(pid), "-n", "cat", "/sys/class/net/host0/iflink"]).stdout)
    for link in links():
        if link["ifindex"] == index:
            return link["ifname"]
    raise LabError(f"no host interface with index {index} (container pid {pid})")


def _nft(image):
    """The host's nft, or the lab image's (run chrooted: same kernel, host network namespace)."""
    host = shutil.which("nft")
    return [host] if host else ["chroot", str(image), "nft"]


def partition(lab, image, side_a, side_b):
    """Drop every frame bridged between the ports in side_a and those in side_b (both ways).

    The host and the client still reach both sides: only member-to-member traffic across the
    cut is lost, as when the network between two racks fails.
    """
    table = nft_table(lab)
    a = ", ".join(f'"{name}"' for name in side_a)
    b = ", ".join(f'"{name}"' for name in side_b)
    rules = (f"table bridge {table} {{\n"
             "  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
             f"    iifname {{ {a} }} oifname {{ {b} }} drop\n"
             f"    iifname {{ {b} }} oifname {{ {a} }} drop\n  }}\n}}\n")
    heal(lab, image)
    run([*_nft(image), "-f", "-"], input=rules)


def heal(lab, image):
    run([*_nft(image), "delete", "table", "bridge", nft_table(lab)], check=False)


def nft_tables(image):
    out = run([*_nft(image), "list", "tables"], check=False).stdout
    return [line.split()[-1] for line in out.splitlines() if line.startswith("table bridge fsip_")]
