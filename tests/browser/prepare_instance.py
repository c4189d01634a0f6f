"""Prepare a fresh instance for the browser tests the way an operator does, in one process to save the
start-up time of four: `flask db upgrade`, `flask orgs load-municipalities`, `flask content sync PATH` and,
when the badges feature is present, `flask badges init`. The configuration comes from ENSHU_* variables,
exactly as for the server that is started next.

    python -m tests.browser.prepare_instance CONTENT_PATH
"""

import sys

from app import create_app


def main(content_path: str) -> int:
    app = create_app()
    runner = app.test_cli_runner()
    steps = [["db", "upgrade"], ["orgs", "load-municipalities"], ["content", "sync", content_path]]
    if "badges" in app.cli.commands:
        steps.append(["badges", "init"])
    for args in steps:
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            print(f"flask {' '.join(args)} failed ({result.exit_code}):\n{result.output}", file=sys.stderr)
            if result.exception and not isinstance(result.exception, SystemExit):
                raise result.exception
            return 1
        print(f"flask {' '.join(args)}: {result.output.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
