#!/usr/bin/env python3
"""Template registry latency: list and download with many templates and users.

Starts `stack registry serve` on a free loopback port (SQLite in a scratch data
directory, or --database postgres://...), creates USERS users in GROUPS groups
with a token each, publishes TEMPLATES templates (a third each private, group,
public) through the HTTP API, then measures, with CLIENTS concurrent clients
each acting as a random user:
  - list:     GET /api/v1/templates (the first page, 100 templates, of what that user may see)
  - download: GET /api/v1/templates/G/N/versions/1.0.0/archive of a public template
and prints p50/p95/p99/max latency and throughput for each. Only loopback
traffic; every loop is bounded by --requests.
"""
import argparse
import concurrent.futures
import io
import random
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

TEMPLATE = b'''variable "name" {
  type        = string
  description = "The application's name."
}

resource "terraform_data" "app" {
  input = var.name
}

output "name" {
  value = terraform_data.app.input
}
'''


def archive():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("main.tf")
        info.size = len(TEMPLATE)
        tar.addfile(info, io.BytesIO(TEMPLATE))
    return buf.getvalue()


def admin(stack, data_args, *args):
    out = subprocess.run([stack, "--no-color", "registry", *args, *data_args],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def request(base, method, path, token, body=None):
    req = urllib.request.Request(base + path, data=body, method=method,
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status, resp.read()


def setup(stack, data_args, base, args):
    users = [f"u{i:04d}" for i in range(args.users)]
    groups = [f"g{i % args.groups:02d}" for i in range(args.users)]
    t0 = time.time()

    def add(i):
        admin(stack, data_args, "user", "add", users[i], "--group", groups[i])
        return admin(stack, data_args, "token", "create", users[i])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(add, range(args.users)))
    print(f"setup: {args.users} users with tokens in {time.time() - t0:.1f}s", flush=True)

    body = archive()
    levels = ["private", "group", "public"]
    t0 = time.time()

    def publish(i):
        owner = i % args.users
        level = levels[i % 3]
        path = f"/api/v1/templates/{groups[owner]}/t{i:05d}/versions/1.0.0?access={level}"
        status, _ = request(base, "PUT", path, tokens[owner], body)
        assert status == 201, status
        return (groups[owner], f"t{i:05d}", level)

    with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
        templates = list(pool.map(publish, range(args.templates)))
    print(f"setup: {args.templates} templates published in {time.time() - t0:.1f}s", flush=True)
    return tokens, templates


def measure(name, base, args, make_path, tokens):
    rng = random.Random(7)
    jobs = [(make_path(rng), rng.choice(tokens)) for _ in range(args.requests)]

    def one(job):
        path, token = job
        start = time.perf_counter()
        status, payload = request(base, "GET", path, token)
        assert status == 200, status
        return time.perf_counter() - start, len(payload)

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
        results = list(pool.map(one, jobs))
    wall = time.perf_counter() - t0
    lat = sorted(r[0] * 1000 for r in results)
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    size = statistics.mean(r[1] for r in results)
    print(f"{name:9} {len(lat)} requests, {args.clients} clients: p50 {q(0.50):.1f} ms, "
          f"p95 {q(0.95):.1f} ms, p99 {q(0.99):.1f} ms, max {lat[-1]:.1f} ms, "
          f"{len(lat) / wall:.0f} req/s, {size / 1024:.0f} KiB/answer", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stack", default="target/release/stack")
    p.add_argument("--database", help="postgres://... (default: SQLite in the data directory)")
    p.add_argument("--templates", type=int, default=10000)
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--groups", type=int, default=50)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=2000)
    args = p.parse_args()

    data = tempfile.mkdtemp(prefix="registry-bench-")
    data_args = ["--data", data] + (["--database", args.database] if args.database else [])
    server = subprocess.Popen([args.stack, "registry", "serve", "--listen", "127.0.0.1:0", *data_args],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        match = re.search(r"http://(\S+)", line)
        if not match:
            sys.exit(f"the registry did not start: {line!r}")
        base = "http://" + match.group(1)
        tokens, templates = setup(args.stack, data_args, base, args)
        public = [t for t in templates if t[2] == "public"]
        measure("list", base, args, lambda rng: "/api/v1/templates", tokens)
        measure("list-1000", base, args, lambda rng: "/api/v1/templates?limit=1000", tokens)
        measure("download", base, args,
                lambda rng: "/api/v1/templates/%s/%s/versions/1.0.0/archive" % rng.choice(public)[:2], tokens)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
