"""Signing generated credentials with the issuer's real key, in a pool of processes: canonicalising
JSON-LD (pure Python) is the cost, some 6 ms a credential on one core (bench/signing.py)."""

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.badges import proofs

_worker_key: Ed25519PrivateKey | None = None


def _start_worker(seed: bytes) -> None:
    global _worker_key
    _worker_key = Ed25519PrivateKey.from_private_bytes(seed)


def _sign_in_worker(task: tuple[dict, str, datetime]) -> str:
    document, verification_method, created = task
    return _encode(proofs.sign(document, _worker_key, verification_method, created))


def _encode(signed: dict) -> str:
    # As badges.issuing stores what it signs.
    return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))


class Signer:
    """sign(documents) -> the stored JSON of each, signed by `private_key` as `verification_method`.
    With jobs > 1 the work goes to that many processes (spawned: a forked child would share the
    parent's database connections)."""

    def __init__(self, private_key: Ed25519PrivateKey, verification_method: str, jobs: int):
        self.private_key, self.verification_method = private_key, verification_method
        self.pool = None
        if jobs > 1:
            seed = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption())
            self.pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_start_worker, initargs=(seed,))

    def sign(self, documents: list[tuple[dict, datetime]]) -> list[str]:
        tasks = [(document, self.verification_method, created) for document, created in documents]
        if self.pool is None:
            return [_encode(proofs.sign(d, self.private_key, vm, c)) for d, vm, c in tasks]
        return list(self.pool.map(_sign_in_worker, tasks, chunksize=16))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
