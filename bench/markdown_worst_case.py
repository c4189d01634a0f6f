"""Worst-case render time of the Markdown pipeline over generated pathological inputs.

    .venv/bin/python bench/markdown_worst_case.py              # the pipeline in the working tree
    .venv/bin/python bench/markdown_worst_case.py --ref main   # the pipeline as committed at a git revision

Each input renders in a forked child process, stopped after --timeout seconds (so the quadratic
behaviour of an old revision is reported as "> timeout" instead of taking hours). Prints, per
family, the worst CPU time over its inputs (the child's time.process_time, steadier than wall time on
a shared machine), the wall time of that render, and the input that took it."""

import argparse
import os
import random
import select
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = (1_000, 10_000, 50_000)


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _nested_links(size: int) -> str:
    depth = size // 8
    return "[" * depth + "a" + "](b)" * depth


def _nested_list(size: int) -> str:
    lines, depth = [], 0
    while sum(map(len, lines)) < size:
        lines.append("  " * depth + "- a\n")
        depth += 1
    return "".join(lines)[:size]


def _table(size: int) -> str:
    row = "|" + "a|" * 200 + "\n"
    return _fill("|" + "h|" * 200 + "\n|" + "-|" * 200 + "\n" + row * 1000, size)


def _mixed(size: int) -> str:
    pieces = ["[", "]", "(", ")", "![", "*", "_", "**", "`", "<", ">", "&", "&amp;", "\\", "|", "- ", "\n",
              "> ", "http://a.jp/", "a@b.jp", "<a ", '"', "'", "~", "#", ":", "a", " ", "www.", "1. "]
    rng = random.Random(8)
    return "".join(rng.choice(pieces) for _ in range(size))[:size]


FAMILIES = {
    "brackets": [lambda n: _fill("[", n), lambda n: _fill("]", n), lambda n: _fill("[", n // 2) + _fill("]", n // 2),
                 lambda n: _fill("[a", n), lambda n: _fill("[]", n), lambda n: "[" + _fill("[]", n)],
    "images": [lambda n: _fill("![", n), lambda n: _fill("![a", n), lambda n: _fill("![a](", n)],
    "links": [_nested_links, lambda n: _fill("[a](", n), lambda n: _fill('[a]("', n), lambda n: "[a](" + _fill("(", n),
              lambda n: _fill("[a](b", n), lambda n: _fill("[a][", n), lambda n: _fill("[a][b]", n),
              lambda n: _fill("[a](b) ", n), lambda n: _fill("[a](<", n), lambda n: _fill("[a]('\"(", n),
              lambda n: _fill("[a]: b\n", n // 2) + _fill("[a]", n // 2)],
    "emphasis": [lambda n: _fill("*", n), lambda n: _fill("_", n), lambda n: _fill("*a", n), lambda n: _fill("_a", n),
                 lambda n: _fill("**a", n), lambda n: _fill("*_", n), lambda n: _fill("a*", n),
                 lambda n: _fill("*a_", n), lambda n: _fill("***a", n), lambda n: _fill("a **", n)],
    "backticks": [lambda n: _fill("`", n), lambda n: _fill("`a", n), lambda n: _fill("``a`", n),
                  lambda n: _fill("\\`", n)],
    "lists and quotes": [_nested_list, lambda n: _fill(">", n), lambda n: _fill("> ", n) + "a",
                         lambda n: _fill(">\n", n), lambda n: _fill("- ", n), lambda n: _fill("1. ", n),
                         lambda n: _fill("- > ", n), lambda n: _fill(": ", n)],
    "tables": [lambda n: _fill("|", n), _table, lambda n: "a|b\n-|-\n" + _fill("|", n)],
    "html-ish": [lambda n: _fill("<", n), lambda n: _fill("<a", n), lambda n: _fill("<a ", n),
                 lambda n: _fill("<!--", n), lambda n: _fill("<a b='", n), lambda n: _fill("</", n)],
    "autolinks": [lambda n: _fill("http://a.jp ", n), lambda n: _fill("<http://a", n), lambda n: _fill("www.a.jp.", n),
                  lambda n: _fill("a@b.jp ", n), lambda n: "http://" + _fill("a.", n), lambda n: _fill("http://", n)],
    "entities": [lambda n: _fill("&amp;", n), lambda n: _fill("&#1;", n), lambda n: _fill("&", n),
                 lambda n: _fill("&#x", n)],
    "mixed": [_mixed, lambda n: _fill("\\", n), lambda n: _fill("#", n), lambda n: _fill("\n", n),
              lambda n: _fill("```\n", n), lambda n: _fill("  \n", n), lambda n: _fill("a\n", n)],
}


def _pipeline(ref: str | None):
    """render_markdown from the working tree, or from `app/core/markdown.py` at git revision `ref`."""
    if ref is None:
        from app.core.markdown import render_markdown
        return render_markdown
    source = subprocess.run(["git", "show", f"{ref}:app/core/markdown.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("markdown_at_ref")
    exec(compile(source, f"{ref}:app/core/markdown.py", "exec"), module.__dict__)
    return module.render_markdown


def _time_one(render, text: str, timeout: float) -> tuple[float, float]:
    """(CPU seconds, wall seconds) to render `text` in a forked child; infinity when it takes longer than
    `timeout` seconds of wall time. Raises RenderFailed when rendering raises (a 500 in the app)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            started, cpu_started = time.perf_counter(), time.process_time()
            render(text)
            os.write(writer, f"{time.process_time() - cpu_started!r} {time.perf_counter() - started!r}".encode())
        except BaseException as e:
            os.write(writer, f"error {type(e).__name__}".encode())
        finally:
            os._exit(0)
    os.close(writer)
    ready, _, _ = select.select([reader], [], [], timeout)
    answer = os.read(reader, 64).decode() if ready else ""
    if not answer:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(reader)
    if answer.startswith("error"):
        raise RenderFailed(answer.removeprefix("error "))
    if not answer:
        return float("inf"), float("inf")
    cpu, wall = answer.split()
    return float(cpu), float(wall)


class RenderFailed(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", help="git revision whose app/core/markdown.py to measure")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before an input counts as too slow")
    parser.add_argument("--family", action="append", help="measure only these families")
    args = parser.parse_args()
    render = _pipeline(args.ref)
    print(f"pipeline: {args.ref or 'working tree'}; sizes {', '.join(map(str, SIZES))} characters")
    print(f"{'family':18} {'inputs':>6} {'worst cpu':>10} {'its wall':>10}  worst input")
    overall, failures = 0.0, []
    for family, generators in FAMILIES.items():
        if args.family and family not in args.family:
            continue
        worst, worst_wall, worst_case = 0.0, 0.0, ""
        for index in range(len(generators)):
            for size in SIZES:
                try:
                    cpu, wall = _time_one(render, FAMILIES[family][index](size), args.timeout)
                except RenderFailed as e:
                    failures.append(f"{family} #{index} at {size}: {e}")
                    continue
                if cpu > worst:
                    worst, worst_wall = cpu, wall
                    worst_case = f"#{index} at {size}: {FAMILIES[family][index](size)[:24]!r}"
                if cpu == float("inf"):
                    break  # larger sizes of this input only take longer
        print(f"{family:18} {len(generators):>6} {_seconds(worst, args.timeout):>10} "
              f"{_seconds(worst_wall, args.timeout):>10}  {worst_case}", flush=True)
        overall = max(overall, worst)
    print(f"worst overall (cpu): {_seconds(overall, args.timeout)}")
    for failure in failures:
        print(f"raised {failure}")


def _seconds(seconds: float, timeout: float) -> str:
    return f"> {timeout:.0f} s" if seconds == float("inf") else f"{seconds:.3f} s"


if __name__ == "__main__":
    main()
