#!/usr/bin/env python3
"""HTTP clients that misbehave on purpose, for receive-alerts' tests (stdlib only).

  raw_http.py slowloris PORT SECONDS   send a request head one byte every 0.3 s for up to SECONDS;
                                       prints "closed after N.N s" when the server hangs up, else "still open"
  raw_http.py halfbody PORT FILE       POST FILE to /alerts: head and half the body; once the server
                                       process has read them, print "half-sent", wait for a line on stdin,
                                       send the rest, print the status code
  raw_http.py raw PORT                 send stdin's bytes as they are, print everything the server answers
                                       until it closes the connection (or 10 s pass)
  raw_http.py bigbody PORT BYTES       POST BYTES of body with a Content-Length and no Expect (as Python's
                                       http.client and Go's client send), all of it, then print the status code
                                       of the answer, or "reset" when the connection was reset under it
"""
import socket
import sys
import time


def connect(port):
    return socket.create_connection(("127.0.0.1", int(port)), timeout=30)


def slowloris(port, seconds):
    head = b"POST /alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 200
    sock = connect(port)
    start = time.monotonic()
    for byte in head:
        if time.monotonic() - start > float(seconds):
            break
        try:
            sock.sendall(bytes([byte]))
            sock.settimeout(0.3)
            if sock.recv(1) == b"":
                print("closed after %.1f s" % (time.monotonic() - start), flush=True)
                return
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            print("closed after %.1f s" % (time.monotonic() - start), flush=True)
            return
    print("still open", flush=True)


def queues(local_port, remote_port):
    """(tx_queue, rx_queue) of the established IPv4 TCP socket local_port -> remote_port, from /proc/net/tcp."""
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local, remote, state, queue = fields[1], fields[2], fields[3], fields[4]
            if state == "01" and int(local.split(":")[1], 16) == local_port and int(remote.split(":")[1], 16) == remote_port:
                tx, rx = queue.split(":")
                return int(tx, 16), int(rx, 16)
    return None


def wait_until_server_read(sock, port, seconds=20):
    """Waits until every byte sent on sock was acknowledged by the server's kernel (our tx_queue is empty) and
    read by the server process (its rx_queue is empty). sendall returning says neither: on a loaded machine the
    loopback packets may still wait for the kernel's softirq thread."""
    mine = sock.getsockname()[1]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if queues(mine, int(port)) == (0, 0) and queues(int(port), mine) == (0, 0):
            return
        time.sleep(0.01)
    raise SystemExit("the server did not read the request head within %d s" % seconds)


def halfbody(port, path):
    body = open(path, "rb").read()
    sock = connect(port)
    head = ("POST /alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)).encode()
    half = len(body) // 2
    sock.sendall(head + body[:half])
    wait_until_server_read(sock, port)
    print("half-sent", flush=True)
    sys.stdin.readline()
    sock.sendall(body[half:])
    answer = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
    print(status, flush=True)


def raw(port):
    sock = connect(port)
    sock.settimeout(10)
    sock.sendall(sys.stdin.buffer.read())
    answer = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    sys.stdout.write(answer.decode("utf-8", "replace"))


def bigbody(port, size):
    size = int(size)
    sock = connect(port)
    head = ("POST /alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % size).encode()
    chunk = b" " * 65536
    answer = b""
    try:
        sock.sendall(head)
        sent = 0
        while sent < size:
            piece = chunk[:min(len(chunk), size - sent)]
            sock.sendall(piece)
            sent += len(piece)
        while True:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    except (ConnectionResetError, BrokenPipeError):
        print("reset", flush=True)
        return
    print(answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none", flush=True)


if __name__ == "__main__":
    {"slowloris": slowloris, "halfbody": halfbody, "bigbody": bigbody, "raw": raw}[sys.argv[1]](*sys.argv[2:])
