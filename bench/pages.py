"""Throughput and latency of Enshu's pages at a generated size, as ratios to two floor pages served by the
same server in the same run (absolute times drift on shared machines).

Generates a database with `flask seed scale` (or reuses one), starts gunicorn on 127.0.0.1 with fixed
settings (2 sync workers), signs in one session per role and drives each page with wrk (2 threads,
16 connections, a fixed duration). Prints per page req/s, p50, p95, p99, errors and the ratios to the
floor `/_bench/query50` (one query of 50 rows through a template); writes a JSON summary; reports the
workers' RSS after each page and after the run, and the time of one request alone.
Set-up: bench/setup.sh (installs wrk).

  .venv/bin/python bench/pages.py --size S                                  # SQLite in a temporary folder
  .venv/bin/python bench/pages.py --size M --engine pg --pg-url postgresql+psycopg://postgres@127.0.0.1/bench --fresh
  .venv/bin/python bench/pages.py --workdir /tmp/enshu-m --reuse --rounds 3  # measure the same data again
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages_client import Session, wait_until_up  # noqa: E402
from pages_targets import page_paths, pick_targets, version_count  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_page.lua"
FLOOR = "floor: query50"
SUBMIT = "submit (POST)"
SIZE_FILE = "bench-size.txt"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=["XS", "S", "M", "L", "XL"],
                        help="of the data to generate (default S); with --reuse, the size it was generated at")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", default="sqlite", choices=["sqlite", "pg"])
    parser.add_argument("--pg-url", help="PostgreSQL database for --engine pg (empty, or use --fresh)")
    parser.add_argument("--fresh", action="store_true", help="drop everything in the --pg-url database first")
    parser.add_argument("--workdir", help="keys, files and the SQLite database (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="use the data already generated in --workdir/--pg-url")
    parser.add_argument("--duration", type=int, default=10, help="seconds per page and round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=1, help="rounds over every page; medians are reported")
    parser.add_argument("--port", type=int, default=5098)
    parser.add_argument("--only", help="comma-separated page names (the floors always run)")
    parser.add_argument("--json", help="summary file (default: WORKDIR/bench-pages-SIZE-ENGINE.json)")
    return parser.parse_args()


def _environment(args, workdir: Path) -> dict:
    if args.engine == "pg":
        if not args.pg_url:
            raise SystemExit("--engine pg needs --pg-url")
        url = args.pg_url
    else:
        url = f"sqlite:///{workdir / 'enshu.sqlite3'}"
    return {**os.environ, "FLASK_APP": "wsgi.py", "ENSHU_SECRET_KEY": "bench-secret-key",
            "ENSHU_SQLALCHEMY_DATABASE_URI": url, "ENSHU_KEYS_DIR": str(workdir / "keys"),
            "ENSHU_STORAGE_DIR": str(workdir / "files"), "ENSHU_OUTBOX_DIR": str(workdir / "outbox"),
            "ENSHU_BASE_URL": f"http://127.0.0.1:{args.port}", "ENSHU_BENCH_FLOOR_PAGES": "true",
            # The verification upload is limited per client address; wrk is one address.
            "ENSHU_VERIFY_RATE_LIMIT": "1000000 per minute"}


def _flask(env: dict, *command: str) -> str:
    result = subprocess.run([str(VENV_BIN / "flask"), *command], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _drop_everything(url: str) -> None:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _generate(args, env: dict, workdir: Path) -> tuple[str, float]:
    if args.engine == "pg" and args.fresh:
        _drop_everything(env["ENSHU_SQLALCHEMY_DATABASE_URI"])
    started = time.perf_counter()
    for command in (("db", "upgrade"), ("orgs", "load-municipalities"), ("content", "sync"), ("badges", "init")):
        _flask(env, *command)
    output = _flask(env, "seed", "scale", "--size", args.size, "--seed", str(args.seed))
    # So that a later --reuse reports (and names its summary by) the size it measures.
    (workdir / SIZE_FILE).write_text(args.size)
    return output, time.perf_counter() - started


def _start_server(args, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(args.workers), "--worker-class", "sync", "--timeout", "120",
         "--bind", f"127.0.0.1:{args.port}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    wait_until_up(f"http://127.0.0.1:{args.port}/_bench/healthz", server)
    return server


def _worker_rss_mb(server: subprocess.Popen) -> list[float]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(round(int(line.split()[1]) / 1024, 1))
    return sizes


def _run_wrk(args, base: str, page: dict, workdir: Path) -> dict:
    env = {**os.environ, "BENCH_METHOD": page["method"], "BENCH_COOKIE": page.get("cookie", ""),
           "BENCH_BODY_FILE": "", "BENCH_CONTENT_TYPE": ""}
    if page.get("body") is not None:
        body_file = workdir / "wrk-body.bin"
        body_file.write_bytes(page["body"])
        env.update(BENCH_BODY_FILE=str(body_file), BENCH_CONTENT_TYPE=page["content_type"])
    result = subprocess.run(
        ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s", "--timeout", "60s",
         "-s", str(WRK_SCRIPT), base + page["path"]], env=env, capture_output=True, text=True, check=True)
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_RESULT "))
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds = raw["duration_us"] / 1e6
    return {"rps": raw["requests"] / seconds, "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "requests": raw["requests"],
            "errors": sum(v for k, v in raw.items() if k.startswith("errors_")),
            "kb_per_response": raw["bytes"] / max(raw["requests"], 1) / 1024}


def _median_rounds(rounds: list[dict[str, dict]]) -> dict[str, dict]:
    """Per page, the median of each figure over the rounds; ratios to the floor of the same round first."""
    for results in rounds:
        floor = results[FLOOR]
        for figures in results.values():
            figures["rps_ratio"] = figures["rps"] / floor["rps"] if floor["rps"] else 0.0
            figures["p99_ratio"] = figures["p99_ms"] / floor["p99_ms"] if floor["p99_ms"] else 0.0
    merged = {}
    for name in rounds[0]:
        keys = rounds[0][name].keys()
        merged[name] = {k: statistics.median(r[name][k] for r in rounds) for k in keys}
        merged[name]["errors"] = sum(r[name]["errors"] for r in rounds)
    return merged


def _print_table(args, results: dict[str, dict], pages: list[dict]) -> None:
    print(f"\nsize {args.size}, {args.engine}, gunicorn {args.workers} sync workers, wrk {args.threads} threads × "
          f"{args.connections} connections × {args.duration} s, median of {args.rounds} round(s)")
    print(f"{'page':30} {'req/s':>8} {'÷floor':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p99÷floor':>9} "
          f"{'errors':>6} {'KB':>7} {'alone ms':>8} {'RSS MB':>7}")
    for page in pages:
        r = results[page["name"]]
        if not r["requests"]:
            print(f"{page['name']:30} no response within {args.duration} s at {args.connections} connections "
                  f"(one request alone: {r['alone_ms']:.0f} ms)")
            continue
        print(f"{page['name']:30} {r['rps']:8.1f} {r['rps_ratio']:7.3f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
              f"{r['p99_ms']:8.1f} {r['p99_ratio']:9.1f} {r['errors']:6.0f} {r['kb_per_response']:7.1f} "
              f"{r['alone_ms']:8.0f} {r['rss_mb']:7.0f}")


def main() -> None:
    args = _arguments()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="enshu-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = _environment(args, workdir)
    if args.size is None:
        recorded = workdir / SIZE_FILE
        args.size = recorded.read_text().strip() if args.reuse and recorded.exists() else ("?" if args.reuse else "S")
    generation, generation_seconds = ("(reused)", 0.0) if args.reuse else _generate(args, env, workdir)
    print(generation)
    os.environ.update({k: v for k, v in env.items() if k.startswith("ENSHU_")})
    targets = pick_targets()
    server = _start_server(args, env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        pages = _pages(base, targets, args.only)
        rounds = []
        for number in range(args.rounds):
            results = {}
            for page in pages:
                print(f"round {number + 1}: {page['name']} …", file=sys.stderr, flush=True)
                if page["name"] == SUBMIT:
                    # Every submit that wrk saw acknowledged (302) must have stored a version.
                    before = version_count(targets["submitter_submission_id"])
                    results[SUBMIT] = _run_wrk(args, base, page, workdir)
                    results[SUBMIT]["stored"] = version_count(targets["submitter_submission_id"]) - before
                else:
                    results[page["name"]] = _run_wrk(args, base, page, workdir)
                results[page["name"]]["alone_ms"] = page["alone_ms"]
                # Requests wrk left queued when it stopped are still served; wait for them, so that
                # they do not slow the next page down.
                Session(base).get("/_bench/healthz", expect=200)
                # The largest worker after this page: a page that grows the workers shows where.
                results[page["name"]]["rss_mb"] = max(_worker_rss_mb(server))
            rounds.append(results)
        rss = _worker_rss_mb(server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    results = _median_rounds(rounds)
    _print_table(args, results, pages)
    if SUBMIT in results:
        r = results[SUBMIT]
        print(f"submits: {r['requests'] - r['errors']:.0f} acknowledged per round (median), {r['stored']:.0f} stored")
    print(f"worker RSS after the run: {', '.join(f'{mb:.0f} MB' for mb in rss)}")
    summary = {"size": args.size, "seed": args.seed, "engine": args.engine, "workers": args.workers,
               "threads": args.threads, "connections": args.connections, "duration_s": args.duration,
               "rounds": args.rounds, "generation_seconds": round(generation_seconds, 1), "generation": generation,
               "worker_rss_mb": rss, "targets": targets,
               "pages": [{"name": p["name"], "method": p["method"], "path": p["path"], **results[p["name"]]}
                         for p in pages]}
    out = Path(args.json or workdir / f"bench-pages-{args.size}-{args.engine}.json")
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"summary: {out}")


def _pages(base: str, targets: dict, only: str | None) -> list[dict]:
    """Every page with the session that opens it, each checked once before it is measured."""
    learner = Session(base).login(targets["learner_email"], targets["password"])
    submitter = Session(base).login(targets["submitter_email"], targets["password"])
    mentor = Session(base).login(targets["mentor_email"], targets["password"])
    organizer = Session(base).login(targets["organizer_email"], targets["password"])
    visitor = Session(base)
    sessions = {"learner": learner, "mentor": mentor, "organizer": organizer, "visitor": visitor}
    uuid = targets["credential_uuid"]
    submit_path = f"/cohorts/{targets['submitter_cohort_id']}/exercises/{targets['submitter_exercise_id']}"
    credential = visitor.get(f"/c/{uuid}/credential.json", expect=200)
    pages = [
        {"name": "floor: /healthz", "session": visitor, "path": "/_bench/healthz"},
        {"name": FLOOR, "session": visitor, "path": "/_bench/query50"},
        *({"name": name, "session": sessions[role], "path": path}
          for name, (role, path) in page_paths(targets).items()),
        {"name": "verify upload (POST)", "session": visitor, "path": "/verify", "method": "POST", "expect": 200,
         "form": lambda token: visitor.multipart({"csrf_token": token, "submit": "Check"},
                                                 ("file", "credential.json", credential))},
        # Last: every submit adds a version to the submitter's history.
        {"name": SUBMIT, "session": submitter, "path": submit_path, "method": "POST", "expect": 302,
         "form": lambda token: submitter.urlencoded({"csrf_token": token, "submit": "Submit",
                                                     "body": "## 生成データ\nベンチマークからの再提出です。"})},
    ]
    wanted = set(only.split(",")) if only else None
    pages = [p for p in pages if wanted is None or p["name"] in wanted or p["name"].startswith("floor")]
    for page in pages:
        page.setdefault("method", "GET")
        session = page.pop("session")
        # The cookie is taken once the session holds what the page puts in it (its CSRF token), so
        # that wrk's requests neither fail the CSRF check nor make the server write a new cookie.
        if page["method"] == "POST":
            token = session.csrf_token(page["path"])
            page["cookie"] = session.cookie_header()
            page["content_type"], page["body"] = page.pop("form")(token)
            started = time.perf_counter()
            session.post(page["path"], page["body"], page["content_type"], expect=page.pop("expect"))
        else:
            session.get(page["path"], expect=200)
            page["cookie"] = session.cookie_header()
            started = time.perf_counter()
            session.get(page["path"], expect=200)
        page["alone_ms"] = (time.perf_counter() - started) * 1000
    return pages


if __name__ == "__main__":
    main()
