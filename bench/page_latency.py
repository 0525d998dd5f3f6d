#!/usr/bin/env python3
"""Server side of the page benchmark: time to the first screen of the API Keys table.

Sequential GETs over loopback from this (second) process, against a running server. The
baseline is /healthz on the same server in the same run: the cost of the HTTP stack alone.
Prints one JSON object with p50/p95 in milliseconds for each URL. The page needs a signed-in
user: BENCH_COOKIE is the session cookie (`keydesk_session=...`) bench/run.sh signs in for.
Requests take compressed answers as Chromium over HTTPS does, so the figures include the
server's compression (brotli); the first screen is measured plain as well, in the same run, for
what compression costs.
"""
import http.client
import json
import os
import statistics
import sys
import time


def measure(host, port, path, n, encodings="gzip, deflate, br, zstd"):
    conn = http.client.HTTPConnection(host, port)
    times = []
    for i in range(n + 5):
        start = time.perf_counter()
        conn.request("GET", path, headers={
            "Cookie": os.environ.get("BENCH_COOKIE", ""),
            "Accept-Encoding": encodings,
        })
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            sys.exit(f"{path} answered {response.status}")
        if i >= 5:  # the first few warm caches and connections
            times.append(elapsed)
    conn.close()
    times.sort()
    return {
        "path": path,
        "accept_encoding": encodings,
        "requests": n,
        "bytes": len(body),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
    }


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    paths = ["/healthz", "/provisioning/api-keys", "/provisioning/api-keys?q=key%2000", "/provisioning/api-keys?status=soon_unavailable&sort=name&dir=asc"]
    results = [measure(host, port, p, n) for p in paths]
    results.append(measure(host, port, paths[1], n, encodings="identity"))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
