#!/usr/bin/env python3
"""What open live streams cost a server in memory: opens N streams (`GET /api/keys/live` with a
session cookie) from this process over loopback, waits until each has its answer's head, and
prints the server process's resident memory before and after, as JSON.

Usage: streams.py HOST PORT N SERVER_PID COOKIE
"""
import json
import socket
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit(f"no process {pid}")


def open_stream(host, port, cookie):
    conn = socket.create_connection((host, port))
    conn.sendall(
        f"GET /api/keys/live HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        f"Cookie: {cookie}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(4096)
        if not chunk:
            raise SystemExit("a stream closed before its answer")
        head += chunk
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status:
        raise SystemExit(f"a stream was refused: {status.decode()}")
    return conn


def main():
    host, port, n, pid, cookie = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    time.sleep(1)
    before = rss_kib(pid)
    streams = [open_stream(host, port, cookie) for _ in range(n)]
    time.sleep(3)
    during = rss_kib(pid)
    for conn in streams:
        conn.close()
    print(json.dumps({
        "streams": n,
        "rss_before_kib": before,
        "rss_with_streams_kib": during,
        "extra_mib": round((during - before) / 1024, 1),
        "per_stream_kib": round((during - before) / n, 1),
        "bar_mib": 50,
    }, indent=2))


main()
