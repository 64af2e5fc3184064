"""IP arithmetic for subnets: membership, parsing, next free address."""
import ipaddress


def parse(text):
    """An ipaddress object, or None when `text` is not an address."""
    try:
        return ipaddress.ip_address(str(text))
    except ValueError:
        return None


def in_subnet(address, cidr):
    addr = parse(address)
    net = ipaddress.ip_network(cidr)
    return addr is not None and addr.version == net.version and addr in net and addr != net.network_address and (
        net.version == 6 or addr != net.broadcast_address
    )


def reserved(address, cidr):
    """"network" or "broadcast" when `address` is that address of `cidr` (IPv4 broadcast only), else None."""
    addr, net = parse(address), ipaddress.ip_network(cidr)
    if addr is None or addr.version != net.version:
        return None
    if addr == net.network_address:
        return "network"
    if net.version == 4 and addr == net.broadcast_address:
        return "broadcast"
    return None


def next_free(cidr, start, used):
    """The lowest host address of `cidr` from `start` upwards that is not in `used` (a set of str)."""
    net = ipaddress.ip_network(cidr)
    addr = ipaddress.ip_address(start) if start else net.network_address + 2
    used = {str(ipaddress.ip_address(u)) for u in used}
    last = net.broadcast_address
    while addr < last or (net.version == 6 and addr == last):
        if str(addr) not in used:
            return str(addr)
        addr += 1
    return None


def canonical(address):
    return str(ipaddress.ip_address(address))
