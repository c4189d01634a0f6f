"""Serving stored files: always as a download, never rendered inline by the browser."""

import io
from urllib.parse import quote

from flask import Response, send_file

from app.core.storage import FileStorage


def send_stored_file(storage: FileStorage, content_hash: str, download_name: str, media_type: str) -> Response:
    return _hardened(send_file(storage.path_for(content_hash), mimetype=media_type, as_attachment=True,
                               download_name=download_name, conditional=True, max_age=0))


def send_file_data(data: bytes, download_name: str, media_type: str) -> Response:
    """A download made in memory (a stored file changed on the way out), with the same headers."""
    return _hardened(send_file(io.BytesIO(data), mimetype=media_type, as_attachment=True,
                               download_name=download_name, conditional=False, etag=False, max_age=0))


def _hardened(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def attachment_disposition(ascii_name: str, name: str) -> str:
    """A Content-Disposition for a download named `name` (any language): `filename` with an ASCII name
    for old clients and RFC 6266's `filename*` in UTF-8 for the rest."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
