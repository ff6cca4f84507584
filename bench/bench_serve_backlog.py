# SPDX-License-Identifier: Apache-2.0
"""Connection bursts against lorag's HTTP layer: N clients connect at the same
moment, each posts one chat request and reads the answer. Run with the listen
backlog Debian's cpp-httplib fixes (5) and with lorag's (1024) to see what the
backlog costs. The server is tests' serve_fake_server (the real HTTP server over a
scripted backend), so this measures the HTTP layer, not generation.

  .venv/bin/python bench/bench_serve_backlog.py --server build/tests/serve_fake_server --clients 256
"""
import argparse
import json
import socket
import statistics
import subprocess
import threading
import time


def burst(server, backlog, clients, timeout):
    proc = subprocess.Popen([server, "--backlog", str(backlog), "--token-delay-ms", "50",
                             "--max-in-flight", str(2 * clients)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(proc.stdout.readline().split()[1])
    body = json.dumps({"model": "tiny-base", "messages": [{"role": "user", "content": "q"}]})
    request = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode()
    barrier = threading.Barrier(clients)
    times, ok, lock = [], [], threading.Lock()

    def one():
        barrier.wait()
        start = time.perf_counter()
        good = False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
                s.sendall(request)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
                good = data.startswith(b"HTTP/1.1 200")
        except OSError:
            pass
        with lock:
            times.append(time.perf_counter() - start)
            ok.append(good)

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    proc.terminate()
    proc.wait()
    times.sort()
    return sum(ok), statistics.median(times), times[int(0.99 * len(times)) - 1], times[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="build/tests/serve_fake_server")
    ap.add_argument("--clients", type=int, default=256)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    print("| listen backlog | answered | p50 (ms) | p99 (ms) | max (ms) |\n| --- | --- | --- | --- | --- |")
    for backlog in (5, 1024):
        n_ok, p50, p99, worst = burst(args.server, backlog, args.clients, args.timeout)
        print(f"| {backlog} | {n_ok}/{args.clients} | {p50 * 1e3:.0f} | {p99 * 1e3:.0f} | {worst * 1e3:.0f} |")


if __name__ == "__main__":
    main()
