"""W3C Bitstring Status List: one bit per credential, 1 = revoked. Index 0 is the left-most bit."""

import base64
import gzip

LIST_LENGTH = 131_072  # the minimum the specification asks for (16 KiB), for herd privacy


def encode(revoked_indexes: set[int], length: int = LIST_LENGTH) -> str:
    bits = bytearray(length // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0 keeps the encoding stable for the same set of revocations
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")

