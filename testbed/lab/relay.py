"""ssh ProxyCommand for the lab: copy stdin/stdout to a TCP connection, run inside the lab namespace.

    nsenter --net=/run/netns/fsip-<name> python3 relay.py HOST PORT
Standalone on purpose (stdlib only). Gives up after 10 s without a connection.
"""

import os
import selectors
import socket
import sys


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    sock = socket.create_connection((host, port), timeout=10)
    sock.settimeout(None)
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "in")
    selector.register(sock, selectors.EVENT_READ, "sock")
    while True:
        for key, _events in selector.select():
            if key.data == "in":
                data = os.read(sys.stdin.fileno(), 65536)
                if not data:
                    sock.shutdown(socket.SHUT_WR)
                    selector.unregister(sys.stdin.fileno())
                    continue
                sock.sendall(data)
            else:
                data = sock.recv(65536)
                if not data:
                    return
                view = memoryview(data)
                while view:
                    view = view[os.write(sys.stdout.fileno(), view):]


if __name__ == "__main__":
    main()
