"""Apply wall time against the cloud's critical path.

Starts the AWS emulator (tests/emulator/launcher.py) with every API call
answered LATENCY_MS late and the slow resources (RDS instances, cache
clusters, Beanstalk environments, CloudFront distributions) creating for
SLOW seconds (tests/emulator/slowness.py), applies an example with the
`stack` binary, and compares the apply's wall time with its critical path:
the longest chain of dependent resources in `stack graph`, each weighted by
how long its own create took in this very apply (first "Creating..." to
"Creation complete" of its instances, as printed). The difference is time
the scheduler left resources waiting although what they depend on was done.
Also prints the API calls per service (`--stats`). Destroys the stack at
the end.

Usage: python3 bench/critical_path.py --stack PATH [--example koding]
       [--latency-ms 50] [--slow 30] [--python .venv/bin/python]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_emulator(python: str, latency_ms: int, slow: int) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, STACK_EMULATOR_LATENCY_MS=str(latency_ms), STACK_EMULATOR_SLOW_SECONDS=str(slow))
    proc = subprocess.Popen([python, str(ROOT / "tests/emulator/launcher.py"), "0"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        sys.exit(f"the emulator did not start: {line!r}")
    return proc, f"http://127.0.0.1:{line.split()[1]}"


def resource_of(address: str) -> str:
    """`aws_subnet.private["a"]` -> `aws_subnet.private` (the graph's nodes are resources)."""
    return re.sub(r"\[[^\]]*\]", "", address)


def edges_of(dot: str) -> list[tuple[str, str]]:
    return re.findall(r'"([^"]+)"\s*->\s*"([^"]+)"', dot)


def apply_timed(stack: str, cwd: Path, env: dict, workspace: str) -> tuple[float, dict, str]:
    """Runs apply; returns its wall time, per-resource (start, end) and stderr."""
    spans: dict[str, list[float]] = {}
    t0 = time.monotonic()
    proc = subprocess.Popen([stack, "--workspace", workspace, "apply", "--auto-approve", "--stats"], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        now = time.monotonic() - t0
        match = re.match(r"(\S+): (Creating\.\.\.|Creation complete)", line)
        if not match:
            continue
        node = resource_of(match.group(1))
        span = spans.setdefault(node, [now, now])
        if match.group(2).startswith("Creating"):
            span[0] = min(span[0], now)
        else:
            span[1] = max(span[1], now)
    stderr = proc.stderr.read()
    if proc.wait() != 0:
        sys.exit(f"apply failed:\n{stderr}")
    return time.monotonic() - t0, spans, stderr


def critical_path(spans: dict, edges: list[tuple[str, str]]) -> tuple[float, list[str]]:
    """The longest chain by own durations; an edge `a -> b` means a depends on b."""
    depends = defaultdict(list)
    for a, b in edges:
        depends[a].append(b)
    memo: dict[str, tuple[float, list[str]]] = {}

    def longest(node: str) -> tuple[float, list[str]]:
        if node not in memo:
            own = spans[node][1] - spans[node][0] if node in spans else 0.0
            best = max((longest(d) for d in depends[node]), default=(0.0, []))
            memo[node] = (own + best[0], best[1] + ([node] if node in spans else []))
        return memo[node]

    nodes = set(depends) | {b for _, b in edges} | set(spans)
    return max((longest(n) for n in nodes), default=(0.0, []))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stack", required=True)
    p.add_argument("--example", default="koding")
    p.add_argument("--workspace", default="sandbox")
    p.add_argument("--latency-ms", type=int, default=50)
    p.add_argument("--slow", type=int, default=30)
    p.add_argument("--python", default=str(ROOT / ".venv/bin/python"))
    args = p.parse_args()

    emulator, endpoint = start_emulator(args.python, args.latency_ms, args.slow)
    work = Path(tempfile.mkdtemp(prefix="critical-path-"))
    try:
        shutil.copytree(ROOT / "examples" / args.example, work, dirs_exist_ok=True)
        shutil.rmtree(work / ".stack", ignore_errors=True)
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
                   AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1",
                   STACK_VAR_db_password="correct-horse-battery", NO_COLOR="1")
        dot = subprocess.run([args.stack, "--workspace", args.workspace, "graph"], cwd=work, env=env,
                             capture_output=True, text=True, check=True).stdout
        wall, spans, stats = apply_timed(args.stack, work, env, args.workspace)
        length, chain = critical_path(spans, edges_of(dot))
        print(f"example {args.example}: latency {args.latency_ms} ms per call, slow resources {args.slow} s")
        print(f"apply wall time   {wall:6.1f} s")
        print(f"critical path     {length:6.1f} s  ({' -> '.join(reversed(chain))})")
        print(f"ratio             {wall / length:6.2f}")
        print("per resource (own create time):")
        for node, (start, end) in sorted(spans.items(), key=lambda kv: kv[1][0]):
            print(f"  {node:55} {start:6.1f} -> {end:6.1f}  ({end - start:5.1f} s)")
        print("API calls:")
        print(stats.strip())
        subprocess.run([args.stack, "--workspace", args.workspace, "destroy", "--auto-approve"], cwd=work, env=env,
                       capture_output=True, text=True, check=True)
    finally:
        emulator.stdin.close()
        emulator.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
