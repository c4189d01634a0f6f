"""How long `flask backup create` and `restore` take, and how big the archive is, for a site with many
users and stored files. Prints figures; asserts nothing about time.

    .venv/bin/python bench/backup_roundtrip.py [--users 20000] [--files 500] [--file-kb 100] [--database-url URL]

Without --database-url it uses a new SQLite file; a PostgreSQL URL must name a scratch database
(its tables are dropped and created).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.backup import services  # noqa: E402
from app.core.storage import FileStorage  # noqa: E402
from app.core.timeutil import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--file-kb", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        url = args.database_url or f"sqlite:///{root / 'bench.sqlite3'}"
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                          "STORAGE_DIR": str(root / "files"), "KEYS_DIR": str(root / "keys")})
        storage_dir, keys_dir = Path(app.config["STORAGE_DIR"]), Path(app.config["KEYS_DIR"])
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.session.add_all(User(email=f"user{n}@example.jp", display_name=f"利用者{n}", role="learner",
                                    password_hash="x") for n in range(args.users))
            db.session.commit()
            storage = FileStorage(storage_dir)
            for _ in range(args.files):
                storage.put_bytes(os.urandom(args.file_kb * 1024))
            db.session.remove()

            archive = root / "backup.tar.gz"
            started = time.perf_counter()
            manifest = services.create_backup(db.engine, storage_dir, keys_dir, archive, utcnow())
            created = time.perf_counter() - started
            archive_mb = archive.stat().st_size / 1e6

            started = time.perf_counter()
            staging = root / "staging"
            staging.mkdir()
            manifest = services.read_backup(archive, staging)
            services.restore_backup(db.engine, manifest, staging, storage_dir, keys_dir)
            restored = time.perf_counter() - started
            engine = db.engine.dialect.name
            db.drop_all()

    print(f"{engine}: {args.users} users, {args.files} stored files of {args.file_kb} KB")
    print(f"create  {created:6.2f} s  (archive {archive_mb:.1f} MB, {len(manifest.checksums)} entries)")
    print(f"restore {restored:6.2f} s  (check, unpack, database, files, verify)")


if __name__ == "__main__":
    main()
