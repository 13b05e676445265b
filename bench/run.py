"""The benchmark, end to end, against the PostgreSQL that scripts/with-postgres.sh started.

    scripts/bench.sh            (make bench): caches the seeded database in bench/.cache/

Migrates, seeds once (bench/.cache/seeded records the dataset it holds), collects static files,
counts each page's queries (bench/prepare.py), serves the app with gunicorn and production
settings on 127.0.0.1, measures every page of bench/pages.py with locust headless as its role's
user, then prints one table and writes bench/results.md. Every step is bounded in time and all
traffic stays on 127.0.0.1.
"""

# ruff: noqa: S603 (it runs the project's own tools from .venv with fixed arguments)
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
STAMP = CACHE / "seeded"
RESULTS = ROOT / "bench" / "results.md"
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Targets from issue 6 (this 2-core machine, 8 concurrent users).
INTERACTIVE_P95_MS, INTERACTIVE_SHARE, REPORT_P95_MS, EXPORT_ROWS_PER_S = 150, 25, 1000, 20000


def step(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def manage(*args: str, env: dict[str, str], timeout: int) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=timeout)


def helper(*args: str, env: dict[str, str], timeout: int = 900) -> None:
    """bench/prepare.py's small database chores, with Django set up."""
    subprocess.run(
        [PY, str(ROOT / "bench" / "prepare.py"), *args],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "clinic.settings"},
        check=True,
        timeout=timeout,
    )


def free_port() -> int:
    """A free port below 32768 (outside Linux's ephemeral range, so no clash with clients)."""
    for port in range(8700, 8800):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise SystemExit("bench: no free port in 8700-8799")


def server_env(password: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        CONN_MAX_AGE="600",
        # Plain HTTP on 127.0.0.1 on purpose (see HTTPS_ONLY in clinic/settings.py).
        HTTPS_ONLY="false",
        LOG_LEVEL="WARNING",
        BENCH_PASSWORD=password,
        PYTHONPATH=str(ROOT),
    )
    return env


def seed(args: argparse.Namespace, env: dict[str, str]) -> None:
    wanted = f"patients={args.patients} sessions={args.sessions} seed={args.seed}"
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        step(f"dataset cached ({wanted})")
        return
    step(f"seeding {wanted} (once; cached in bench/.cache/)")
    started = time.monotonic()
    manage(
        "seed_bulk",
        f"--patients={args.patients}",
        f"--sessions={args.sessions}",
        f"--seed={args.seed}",
        env=env,
        timeout=1800,
    )
    seconds = time.monotonic() - started
    step("VACUUM ANALYZE after the bulk load")
    helper("analyze", env=env)
    CACHE.mkdir(parents=True, exist_ok=True)
    STAMP.write_text(wanted + "\n")
    (CACHE / "seed-seconds").write_text(f"{seconds:.0f}\n")


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "clinic.wsgi:application",
            f"--bind={HOST}:{port}",
            f"--workers={workers}",
            "--timeout=60",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group, stopped as one at the end
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://{HOST}:{port}/ping/", timeout=10, allow_redirects=False)
            return server
        except requests.RequestException:
            if server.poll() is not None:
                raise SystemExit("bench: gunicorn exited at start") from None
            time.sleep(0.5)
    stop(server)
    raise SystemExit("bench: gunicorn did not answer within 90 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def run_locust(page: dict, base: str, password: str, args: argparse.Namespace, n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "stats")
        env = {
            **os.environ,
            "BENCH_PATH": page["url"],
            "BENCH_USERNAME": f"bench_{page['role']}_1",
            "BENCH_PASSWORD": password,
            "BENCH_USERS": str(args.users),
            "BENCH_SECONDS": str(args.duration),
            "BENCH_SETUP_POST": json.dumps(page["setup_post"]),
        }
        # The locustfile measures args.duration seconds once everyone has logged in; logins
        # take a few seconds (slow password hashing), the bar counts them in as an estimate.
        seconds = args.duration + 10
        limit = args.duration + 120
        command = [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            f"--users={args.users}",
            f"--spawn-rate={args.users}",
            f"--run-time={limit}s",
            f"--host={base}",
            f"--csv={prefix}",
            "--only-summary",
            "--loglevel=ERROR",
            "--stop-timeout=5",
            "--exit-code-on-error=0",
        ]
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )  # stderr is small: --only-summary and --loglevel=ERROR
        label = f"[{n}/{args.total}] {page['name']}"
        with tqdm(total=seconds, desc=label[:48].ljust(48), unit="s", file=sys.stderr) as bar:
            started = time.monotonic()
            while process.poll() is None:
                time.sleep(1)
                elapsed = min(seconds, int(time.monotonic() - started))
                bar.update(elapsed - bar.n)
                if time.monotonic() - started > limit + 30:
                    process.kill()
            bar.update(seconds - bar.n)
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        rows = {}
        stats_file = Path(prefix + "_stats.csv")
        if stats_file.exists():
            with stats_file.open() as handle:
                rows = {row["Name"]: row for row in csv.DictReader(handle)}
        row = rows.get("page")
        if not row or not int(row["Request Count"]):
            tail = stderr.strip().splitlines()[-3:]
            return {"error": "no requests measured: " + " | ".join(tail)[:200]}
        return {
            "rps": float(row["Requests/s"]),
            "p50": float(row["50%"]),
            "p95": float(row["95%"]),
            "failures": int(row["Failure Count"]),
            "requests": int(row["Request Count"]),
        }


def login(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(base + "/accounts/login/", timeout=10)
    token = CSRF_FIELD.search(form.text)
    session.post(
        base + "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
        headers={"Referer": base + "/accounts/login/"},
        timeout=30,
    )
    return session


def worker_rss_kb(server: subprocess.Popen) -> dict[int, int]:
    """Resident memory of each gunicorn worker (the master's children)."""
    sizes = {}
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    for pid in children.read_text().split() if children.exists() else []:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[int(pid)] = int(line.split()[1])
    return sizes


def measure_export(page: dict, base: str, password: str, server: subprocess.Popen) -> str:
    """Stream the export once: rows per second and the workers' memory growth."""
    session = login(base, f"bench_{page['role']}_1", password)
    before = worker_rss_kb(server)
    started = time.monotonic()
    rows = 0
    with session.get(base + page["url"], stream=True, timeout=300) as response:
        for line in response.iter_lines():
            if line:
                rows += 1
    seconds = max(time.monotonic() - started, 1e-6)
    after = worker_rss_kb(server)
    growth = max((after.get(pid, 0) - size for pid, size in before.items()), default=0)
    rate = (rows - 1) / seconds
    verdict = "meets" if rate >= EXPORT_ROWS_PER_S else "MISSES"
    return (
        f"{rows - 1:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s ({verdict} "
        f"{EXPORT_ROWS_PER_S:,}); worker RSS +{growth / 1024:.1f} MiB"
    )


def verdict(page: dict, share: float | None) -> str:
    if page["kind"] == "ceiling":
        return "the ceiling"
    if page["kind"] in ("report", "export"):
        ok = page["p95"] < REPORT_P95_MS
        return f"p95 {'<' if ok else '>='} 1 s: {'meets' if ok else 'MISSES'}"
    missed = []
    if page["p95"] >= INTERACTIVE_P95_MS:
        missed.append(f"p95 >= {INTERACTIVE_P95_MS} ms")
    if share is not None and share < INTERACTIVE_SHARE:
        missed.append(f"< {INTERACTIVE_SHARE}% of ceiling")
    return "MISSES: " + ", ".join(missed) if missed else "meets targets"


def table(pages: list[dict]) -> str:
    ceiling = next((p.get("rps") for p in pages if p["kind"] == "ceiling"), None)
    lines = [
        "| page | role | req/s | p50 ms | p95 ms | queries/req | % of trivial view | notes |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for page in pages:
        queries = "" if page.get("queries") is None else str(page["queries"])
        if "rps" not in page:
            lines.append(
                f"| {page['name']} | {page['role']} | - | - | - | {queries} | - | "
                f"{page.get('note', 'not available')} |"
            )
            continue
        share = 100 * page["rps"] / ceiling if ceiling else None
        notes = [verdict(page, share)]
        if page.get("failures"):
            notes.append(f"{page['failures']} failed of {page['requests']}")
        if page.get("export"):
            notes.append(page["export"])
        lines.append(
            f"| {page['name']} | {page['role']} | {page['rps']:.1f} | {page['p50']:.0f} | "
            f"{page['p95']:.0f} | {queries} | "
            f"{'' if share is None else f'{share:.0f}%'} | {'; '.join(notes)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=200000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--duration", type=int, default=20, help="measured seconds per page")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--only", help="measure only pages whose name contains this")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("bench: run me through scripts/bench.sh (it starts PostgreSQL)")

    password = os.environ.get("BENCH_PASSWORD") or secrets.token_urlsafe(16)
    env = server_env(password)
    step("migrate")
    manage("migrate", "--noinput", "-v0", env=env, timeout=900)
    seed(args, env)
    if os.environ.get("BENCH_PASSWORD") is None:
        # The cached dataset keeps the password it was seeded with; use a fresh one each run.
        step("setting the bench users' password")
        helper("password", env=env)
    step("collectstatic")
    manage("collectstatic", "--noinput", "-v0", env=env, timeout=300)

    step("counting queries per page (Django test client, same database)")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        helper("measure", out.name, env=env)
        prepared = json.loads(Path(out.name).read_text())
    pages = prepared["pages"]
    if args.only:
        pages = [p for p in pages if p["kind"] == "ceiling" or args.only in p["name"]]
    runnable = [p for p in pages if p["status"] == 200]
    for page in pages:
        if page["status"] == 404:
            page["note"] = "not available (404)"
        elif page["status"] != 200:
            page["note"] = f"HTTP {page['status']} {page['error']}".strip()
    args.total = len(runnable)

    port = free_port()
    base = f"http://{HOST}:{port}"
    step(f"gunicorn, {args.workers} workers, on {base}; {args.users} users x {args.duration} s")
    # SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so the finally below stops gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = start_gunicorn(env, port, args.workers)
    try:
        for n, page in enumerate(runnable, 1):
            result = run_locust(page, base, password, args, n)
            if "error" in result:
                page["note"] = result["error"]
                continue
            page.update(result)
            if page["kind"] == "export":
                page["export"] = measure_export(page, base, password, server)
    finally:
        stop(server)

    machine = prepared["machine"]
    seed_seconds = (CACHE / "seed-seconds").read_text().strip() if STAMP.exists() else "?"
    report = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` (bench/run.py); "
            "regenerated on every run.",
            "",
            f"- Machine: {machine['cpus']} CPUs, {machine['memory']} memory",
            f"- Python {machine['python']}, Django {machine['django']}, "
            f"PostgreSQL {machine['postgresql']}",
            f"- Dataset: {machine['dataset']} (`seed_bulk --patients {args.patients} "
            f"--sessions {args.sessions} --seed {args.seed}`, seeded in {seed_seconds} s)",
            f"- Server: gunicorn, {args.workers} sync workers, production settings "
            "(DEBUG off, CONN_MAX_AGE=600, HTTPS_ONLY=false on 127.0.0.1)",
            f"- Load: locust headless, {args.users} concurrent users, no think time, "
            f"{args.duration} s measured per page after every user has logged in",
            "- Queries per request: the page opened once (warm) by the same role through "
            "Django's test client on the same database",
            "",
            "Targets (issue 6): interactive pages p95 < 150 ms and >= 25% of the trivial "
            "view's throughput; reports p95 < 1 s; CSV export >= 20,000 rows/s, flat memory.",
            "",
            table(pages),
            "",
        ]
    )
    RESULTS.write_text(report)
    print()
    print(table(pages))
    print(f"\nbench: written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
