"""The app under load, served the way `make run` serves it: figures and ratios, never pass/fail.

Each database gets a fresh one in a temporary folder (SQLite; with BENCH_DATABASE_URL, a
PostgreSQL database the run MAY WIPE), migrated and demo-seeded through the flask CLI as `make
run` does, then served by the Procfile's web command (gunicorn, WORKERS workers, default 2,
× 4 threads, access log on). Before serving, a few demo volunteers get a bearer token each and
enough points for every redemption of the run (the only thing written behind the app's back).

A load generator in this process (asyncio + aiohttp, keep-alive connections, each connection
one request at a time) drives it at 16 connections for a few seconds per operation: the health
endpoint, the benefits page, balance and statement with a volunteer's token, POST
/api/v1/redemptions (round robin over the volunteers, every answer must be 201); then 64
connections of redemptions at once, for the slowest request. A bare Flask app served by gunicorn
the same way (`bare_app.py`) gives the yardstick for the health endpoint. It also times the
cold start (gunicorn spawned → first 200), the boot step of `make run` (`flask setup`) on a
seeded database, and each worker's RSS after the load. The targets are issue 20's.

    python -m tests.benchmarks.http [--seconds 5] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VOLUNTEERS = 16
BENEFIT = ("yunxi-glasses", "眼镜清洗调校一次")  # 20 points, no stock or per-member limit
CONNECTIONS = 16
WRITERS = 64

# (name, target) for each figure the issue sets; `ok` reads them off the results.
TARGETS = {
    "redeem req/s": ">= 600",
    "redeem p99 ms": "< 50",
    "redeem / health": ">= 0.4",
    "64 writers max ms": "< 250",
    "health / bare": ">= 0.8",
    "benefits page req/s": ">= 200",
    "balance / health": ">= 0.5",
    "statement / health": ">= 0.5",
    "cold start s": "< 2",
    "boot steps s": "< 4",
    "worker RSS MB": "< 100",
}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- the server


def _web_line() -> str:
    """The Procfile's web command, as honcho runs it under `make run` (through the shell)."""
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines()
               if line.startswith("web:"))
    return web.removeprefix("web:").strip()


def _served_app() -> str:
    """The app spec the web command serves (its last, quoted argument)."""
    return _web_line().rsplit("'", 2)[-2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(home: Path, database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "LEDGER_CHAIN_KEY")}
    env.update({"DATABASE_URL": database_url, "POINTS_INSTANCE_PATH": str(home)})
    env.pop("REDIS_URL", None)
    # As on a deployed checkout, compiled modules are kept in __pycache__ after the first start
    # (a shell that forbids writing them would time the compiler, not the start).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _flask(env: dict, *args: str) -> float:
    """Run a flask command as `make run` does; its wall time in seconds."""
    began = time.perf_counter()
    subprocess.run([str(BIN / "flask"), "--app", "points", *args], env=env, cwd=ROOT,
                   check=True, capture_output=True, timeout=600)
    return time.perf_counter() - began


def _answers(url: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1].split("/")[0])),
                                      timeout=2) as conn:
            conn.sendall(b"GET /api/v1/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return conn.recv(64).split(b" ", 2)[1:2] == [b"200"]
    except (OSError, IndexError):
        return False


def _children_rss_mb(pid: int) -> list[float]:
    """Resident memory of each worker (the processes whose parent is the gunicorn master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == pid:
            found.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(found)


@contextmanager
def serve(env: dict, log: Path, workers: int, spec: str | None = None):
    """The Procfile's web command on a free port (`spec` in place of its app, for the bare
    yardstick: served the same way); yields (base url, seconds to the first 200, the
    gunicorn master's pid)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = _web_line()
    if spec is not None:
        command = command.replace(f"'{_served_app()}'", f"'{spec}'")
    env = {**env, "PORT": str(port), "HOST": "127.0.0.1", "WORKERS": str(workers),
           "PATH": f"{BIN}:{env.get('PATH', '')}"}
    with log.open("w") as out:
        began = time.perf_counter()
        # `exec` in the web command: the shell becomes the gunicorn master.
        process = subprocess.Popen(["/bin/sh", "-c", command], env=env, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            while not _answers(base):
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited:\n{log.read_text()}")
                if time.perf_counter() - began > 60:
                    raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log.read_text()}")
                time.sleep(0.01)
            yield base, time.perf_counter() - began, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# ---------------------------------------------------------------------------- the data


def prepare(points_each: int) -> dict:
    """Inside the served app's configuration: tokens for the first demo volunteers, each
    topped up with `points_each`, and the benefit they redeem. Printed as JSON."""
    import sqlalchemy as sa

    import points
    from points.extensions import db
    from points.ledger import services as ledger
    from points.marketplace.models import Benefit, Provider
    from points.members import services as members
    from points.members.models import Member

    app = points.create_app()
    with app.app_context():
        benefit = db.session.scalar(
            sa.select(Benefit).join(Provider, Benefit.provider_id == Provider.id)
            .where(Provider.code == BENEFIT[0], Benefit.title_zh == BENEFIT[1])
        )
        people = db.session.scalars(
            sa.select(Member).where(Member.level == "volunteer", Member.status == "active")
            .order_by(Member.id).limit(VOLUNTEERS)
        ).all()
        tokens = []
        for member in people:
            ledger.transfer(kind="earn", source=ledger.system_account("issuance"),
                            destination=ledger.member_wallet(member.id), amount=points_each,
                            memo="压力测试")
            tokens.append(members.issue_token(member)[0])
        db.session.commit()
        return {"benefit_id": benefit.id, "tokens": tokens}


# ---------------------------------------------------------------------------- the load


async def drive(base: str, request, connections: int, seconds: float) -> dict:
    """`connections` keep-alive connections, each sending `request(n)` (method, path, options)
    one after another for `seconds`; throughput, latency percentiles and the statuses."""
    import aiohttp

    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: Counter = Counter()
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(base, connector=connector) as session:
        end = loop.time() + seconds

        async def one(i: int) -> None:
            n = i
            while loop.time() < end:
                method, path, options = request(n)
                n += connections
                began = time.perf_counter()
                async with session.request(method, path, **options) as answer:
                    await answer.read()
                latencies.append(time.perf_counter() - began)
                statuses[answer.status] += 1

        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(connections)))
        wall = time.perf_counter() - began
    latencies.sort()

    def at(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)

    return {
        "requests": len(latencies),
        "req_s": round(len(latencies) / wall, 1),
        "p50_ms": at(0.50),
        "p99_ms": at(0.99),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else 0.0,
        "statuses": dict(statuses),
    }


def operations(data: dict) -> dict:
    tokens = data["tokens"]

    def bearer(n: int) -> dict:
        return {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}

    body = {"benefit_id": data["benefit_id"], "quantity": 1}
    return {
        "health": lambda n: ("GET", "/api/v1/health", {}),
        "benefits page": lambda n: ("GET", "/benefits", {}),
        "balance": lambda n: ("GET", "/api/v1/me/balance", {"headers": bearer(n)}),
        "statement": lambda n: ("GET", "/api/v1/me/statement", {"headers": bearer(n)}),
        "redeem": lambda n: ("POST", "/api/v1/redemptions",
                             {"headers": bearer(n), "json": body}),
    }


EXPECTED = {"redeem": 201}


def run_app(database_url: str, home: Path, seconds: float, warmup: float, workers: int) -> dict:
    env = _environment(home, database_url)
    progress("  migrate and seed …")
    _flask(env, "setup")
    # `make run` on an installed checkout: its boot step before gunicorn, on a seeded db.
    boot = _flask(env, "setup")
    prepared = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.http", "--prepare", "1000000"],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=300,
    )
    data = json.loads(prepared.stdout.strip().splitlines()[-1])
    out: dict = {"boot_s": round(boot, 2)}
    with serve(env, home / "gunicorn.log", workers) as (base, cold, pid):
        out["cold_start_s"] = round(cold, 3)
        for name, request in operations(data).items():
            progress(f"  {name} …")
            asyncio.run(drive(base, request, CONNECTIONS, warmup))
            out[name] = asyncio.run(drive(base, request, CONNECTIONS, seconds))
        progress(f"  {WRITERS} writers …")
        out["64 writers"] = asyncio.run(
            drive(base, operations(data)["redeem"], WRITERS, seconds)
        )
        out["rss_mb"] = [round(mb, 1) for mb in _children_rss_mb(pid)]
    for name in ("redeem", "64 writers", "balance", "statement", "health", "benefits page"):
        want = EXPECTED.get("redeem" if name == "64 writers" else name, 200)
        wrong = {s: c for s, c in out[name]["statuses"].items() if s != want}
        if wrong:
            raise RuntimeError(f"{name}: answers other than {want}: {wrong}; see {home}")
    return out


def run_bare(home: Path, seconds: float, warmup: float, workers: int) -> dict:
    spec = "tests.benchmarks.bare_app:create_app()"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with serve(env, home / "bare.log", workers, spec) as (base, cold, _pid):
        request = operations({"tokens": [""], "benefit_id": 0})["health"]
        asyncio.run(drive(base, request, CONNECTIONS, warmup))
        return asyncio.run(drive(base, request, CONNECTIONS, seconds))


def figures(app: dict, bare: dict) -> dict:
    health = app["health"]["req_s"]
    return {
        "redeem req/s": app["redeem"]["req_s"],
        "redeem p99 ms": app["redeem"]["p99_ms"],
        "redeem / health": round(app["redeem"]["req_s"] / health, 3),
        "64 writers max ms": app["64 writers"]["max_ms"],
        "health / bare": round(health / bare["req_s"], 3),
        "benefits page req/s": app["benefits page"]["req_s"],
        "balance / health": round(app["balance"]["req_s"] / health, 3),
        "statement / health": round(app["statement"]["req_s"] / health, 3),
        "cold start s": app["cold_start_s"],
        "boot steps s": app["boot_s"],
        "worker RSS MB": max(app["rss_mb"]) if app["rss_mb"] else 0.0,
    }


def meets(value: float, target: str) -> bool:
    sign, bound = target.split()
    return value >= float(bound) if sign == ">=" else value < float(bound)


def report(results: dict) -> None:
    print(f"{'database':<12}{'operation':<16}{'conns':>6}{'req/s':>10}{'p50 ms':>9}"
          f"{'p99 ms':>9}{'max ms':>9}")
    for database, result in results.items():
        if database == "bare flask":
            rows = {"health": result}
        else:
            rows = {k: v for k, v in result["load"].items() if isinstance(v, dict)}
        for name, row in rows.items():
            conns = WRITERS if name == "64 writers" else CONNECTIONS
            print(f"{database:<12}{name:<16}{conns:>6}{row['req_s']:>10}{row['p50_ms']:>9}"
                  f"{row['p99_ms']:>9}{row['max_ms']:>9}")
    print(f"\n{'database':<12}{'figure':<22}{'value':>10}  target")
    for database, result in results.items():
        if database == "bare flask":
            continue
        for name, value in result["figures"].items():
            target = TARGETS[name]
            mark = "" if meets(value, target) else "   (missed)"
            print(f"{database:<12}{name:<22}{value:>10}  {target}{mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="of load per operation")
    parser.add_argument("--quick", action="store_true", help="1 s per operation, SQLite only")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        print(json.dumps(prepare(args.prepare)))
        return 0
    seconds, warmup = (1.0, 0.2) if args.quick else (args.seconds, 1.0)
    workers = int(os.environ.get("WORKERS", "2"))
    databases = {"sqlite": None}
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg and not args.quick:
        databases["postgresql"] = pg
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        progress("bare Flask …")
        bare = run_bare(Path(tmp), seconds, warmup, workers)
        results["bare flask"] = bare
        for database, url in databases.items():
            home = Path(tmp) / database
            home.mkdir()
            if url is None:
                url = f"sqlite:///{home / 'points.sqlite3'}"
            else:
                from points.config import normalise_database_url
                from tests.benchmarks.ledger import reset_postgresql

                url = normalise_database_url(url)
                reset_postgresql(url)
            progress(f"the app on {database} …")
            load = run_app(url, home, seconds, warmup, workers)
            if database == "postgresql":
                reset_postgresql(url)  # left empty, as the ledger bench leaves it
            results[database] = {"load": load, "figures": figures(load, bare)}
    report(results)
    print(json.dumps({"http": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
