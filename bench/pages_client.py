"""A minimal HTTP client for bench/pages.py: one signed-in session (cookies, CSRF token), no redirects
followed, so that a page that sends to the sign-in form is caught before it is measured."""

import http.client
import re
import subprocess
import time
import urllib.parse
import uuid

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Session:
    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        if content_type:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        connection.close()
        return response.status, response.getheader("Location"), data

    def get(self, path: str, expect: int) -> bytes:
        status, location, data = self._request("GET", path)
        if status != expect:
            raise SystemExit(f"GET {path}: {status} {location or ''} (expected {expect})")
        return data

    def post(self, path: str, body: bytes, content_type: str, expect: int) -> bytes:
        status, location, data = self._request("POST", path, body, content_type)
        if status != expect:
            raise SystemExit(f"POST {path}: {status} {location or ''} (expected {expect})\n{data[:800]!r}")
        return data

    def post_status(self, path: str, body: bytes, content_type: str) -> int:
        """The status of a POST, whatever it is (for counting refusals rather than stopping at one)."""
        return self._request("POST", path, body, content_type)[0]

    def csrf_token(self, path: str) -> str:
        match = _CSRF.search(self.get(path, expect=200).decode())
        if not match:
            raise SystemExit(f"no CSRF token on {path}")
        return match.group(1)

    def login(self, email: str, password: str) -> "Session":
        token = self.csrf_token("/login")
        content_type, body = self.urlencoded({"csrf_token": token, "email": email, "password": password})
        self.post("/login", body, content_type, expect=302)
        return self

    @staticmethod
    def urlencoded(fields: dict) -> tuple[str, bytes]:
        return "application/x-www-form-urlencoded", urllib.parse.urlencode(fields).encode()

    @staticmethod
    def multipart(fields: dict, file: tuple[str, str, bytes]) -> tuple[str, bytes]:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        name, filename, data = file
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/json\r\n\r\n".encode() + data + b"\r\n")
        return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    parts = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited while starting")
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            connection.request("GET", parts.path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")
