"""Absolute links (in mail, badges, QR codes) come from the configured public address, BASE_URL,
never from the Host header of the request: a forged Host must not end up in a password-reset link."""

import ipaddress
from urllib.parse import urlsplit

from flask import Flask, current_app

_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def public_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def trusted_hosts(base_url: str) -> list[str]:
    """The host of BASE_URL; on a loopback address (a developer's machine) every loopback name."""
    host = urlsplit(base_url).hostname or ""
    return list(_LOOPBACK_NAMES) if _is_loopback(host) else [host]


def init_app(app: Flask) -> None:
    # Flask answers 400 to a request whose Host is not in TRUSTED_HOSTS.
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["BASE_URL"])


def same_site_path(target: str | None) -> str | None:
    """`target` if it is a path of this site (where to go back after a form), else None: a crafted link
    must not send the user elsewhere."""
    # Browsers read a backslash as a slash ("/\\evil.example" is another host) and drop tabs and newlines.
    if (target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
            and not any(c == "\\" or c.isspace() or ord(c) < 32 for c in target)):
        return target
    return None
