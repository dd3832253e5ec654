#!/usr/bin/env python3
"""Load generator for ally-server: N concurrent clients, each pushing one small envelope then pulling what is
new, for a fixed time. Prints requests per second and latency percentiles as JSON.
Usage: load.py URL TOKEN [clients=50] [seconds=10]"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def main():
    url, token = sys.argv[1], sys.argv[2]
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 10
    parsed = urllib.parse.urlparse(url)
    latencies, errors, lock = [], [0], threading.Lock()
    stop = time.time() + seconds

    def client(index):
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        device = os.urandom(8).hex()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        seq, cursor = 0, "0"
        while time.time() < stop:
            seq += 1
            envelope = (bytes([1, 0, 0, 0, 1]) + os.urandom(120)).hex()
            body = json.dumps({"changes": [{"device": device, "seq": seq,
                                            "envelope": __import__("base64").b64encode(bytes.fromhex(envelope)).decode()}]})
            for method, path, payload in (("POST", "/v1/changes", body), ("GET", f"/v1/changes?after={cursor}&limit=500", None)):
                started = time.perf_counter()
                try:
                    connection.request(method, path, body=payload, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                    ok = response.status == 200
                    if ok and method == "GET":
                        cursor = json.loads(data)["next"]
                except Exception:
                    ok = False
                    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
                elapsed = time.perf_counter() - started
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.time() - began
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1) if latencies else None
    print(json.dumps({"clients": clients, "seconds": round(duration, 1), "requests": len(latencies), "errors": errors[0],
                      "requestsPerSecond": round(len(latencies) / duration, 1), "p50ms": pick(0.5), "p95ms": pick(0.95),
                      "p99ms": pick(0.99)}))


main()
