#!/usr/bin/env python3
"""Latency as each request saw it, beside wrk's p99.

wrk 4.1 corrects its latency histogram for coordinated omission (`stats_correct`): a request
that took at least twice the mean interval between one connection's requests also counts for
each interval it spanned, as if the requests that connection would have sent meanwhile had
all waited. At tens of thousands of requests a second, one slow request becomes hundreds of
samples, so a few slow first renderings read as a p99 of 50 ms. This client times every
request and nothing else: CONNECTIONS keep-alive connections, each sending the PATHS in turn
(closed loop, as wrk does), for SECONDS; it prints p50, p99, the slowest, and when the
requests over 20 ms were sent (seconds after the start).

    python3 crates/dateline-bench/scripts/timed_requests.py 127.0.0.1:8080 16 3 '/?s=council' '/?s=zeppelin'

Python sends about a quarter of what wrk sends on the same machine; run it beside wrk (with
fewer connections) to time requests under wrk's load. See docs/PERFORMANCE.md, "Stop 26".
"""
import asyncio
import sys
import time

SLOW = 0.020


async def connection(host, port, paths, first, until, latencies):
    reader, writer = await asyncio.open_connection(host, port)
    turn = first
    while time.perf_counter() < until:
        path = paths[turn % len(paths)]
        turn += 1
        sent = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        latencies.append((sent, time.perf_counter() - sent))
    writer.close()


async def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    host, port = sys.argv[1].rsplit(":", 1)
    connections, seconds, paths = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
    latencies = []
    start = time.perf_counter()
    await asyncio.gather(*(connection(host, int(port), paths, i, start + seconds, latencies) for i in range(connections)))
    times = sorted(latency for _, latency in latencies)
    n = len(times)
    if n == 0:
        sys.exit("no request was answered")
    print(f"{n} requests: p50 {times[n // 2] * 1e3:.2f} ms, p99 {times[min(n - 1, n * 99 // 100)] * 1e3:.2f} ms, "
          f"slowest {times[-1] * 1e3:.2f} ms")
    slow = sorted(round(sent - start, 2) for sent, latency in latencies if latency > SLOW)
    print(f"{len(slow)} over {SLOW * 1e3:.0f} ms, sent at (s): {slow[:10]}{' …' if len(slow) > 10 else ''}")


asyncio.run(main())
