"""How long a failed sign-in takes for a known, an unknown and a deactivated e-mail address.

Equal times mean the login form does not tell who has an account. Prints median milliseconds.
Run: .venv/bin/python bench/login_timing.py [rounds]   (uses a throwaway SQLite database)"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from app import create_app
from app.auth.models import User
from app.auth.passwords import hash_password
from app.extensions import db


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False, "KEYS_DIR": str(Path(tmp) / "keys"),
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                          "OUTBOX_DIR": str(Path(tmp) / "outbox"), "STORAGE_DIR": str(Path(tmp) / "files")})
        with app.app_context():
            db.create_all()
            password_hash = hash_password("the-real-password")
            db.session.add_all([
                User(email="known@example.jp", display_name="known", password_hash=password_hash),
                User(email="inactive@example.jp", display_name="inactive", password_hash=password_hash,
                     is_active_account=False),
                User(email="invited@example.jp", display_name="invited", password_hash=None)])
            db.session.commit()
        client = app.test_client()
        cases = {"known": "known@example.jp", "unknown": "nobody@example.jp",
                 "inactive": "inactive@example.jp", "invited (no password yet)": "invited@example.jp"}
        timings: dict[str, list[float]] = {name: [] for name in cases}
        client.post("/login", data={"email": "warm@example.jp", "password": "x"})  # first request builds caches
        for _ in range(rounds):
            for name, email in cases.items():  # interleaved, so load changes hit every case alike
                started = time.perf_counter()
                response = client.post("/login", data={"email": email, "password": "a-wrong-password"})
                timings[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
        print(f"failed sign-in, median of {rounds} (ms):")
        for name, values in timings.items():
            print(f"  {name:<26} {statistics.median(values):8.1f}   (min {min(values):.1f}, max {max(values):.1f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
