"""Validate an Open Badges 2.0 badge with 1EdTech's validator (PyPI `openbadges` 1.1.2), offline.

Runs under the Python 3.8 virtualenv that setup.sh makes (tests/ob2_validator/.venv38), not under the
project's Python:

    .venv38/bin/python run_validator.py URL                  # a hosted assertion
    .venv38/bin/python run_validator.py --png FILE           # a baked PNG
    .venv38/bin/python run_validator.py --json FILE          # assertion JSON (- reads standard input)
    ... [--recipient-email ADDRESS]                          # also check the recipient against this address

It prints one JSON object: `openbadges.verify(...)`'s result (graph, input, report) plus `network`,
which lists every URL the validator asked for and what happened to it.

No request leaves the machine. Every HTTP request of the validator goes through requests' transport
adapter, which is replaced here:
  * the JSON-LD context https://w3id.org/openbadges/v2 is answered from the validator's own copy of it
    (openbadges/verifier/openbadges_context.py), as if w3id.org had answered;
  * URLs on a loopback address (127.0.0.0/8, ::1, localhost) go to the server under test;
  * anything else fails as a connection error, which the validator reports as an error message.
A guard on socket.connect refuses non-loopback addresses too, in case some code bypasses requests, and
proxy variables are dropped so that loopback requests are not sent to a proxy.
"""

import argparse
import ipaddress
import json
import os
import socket
import sys
from urllib.parse import urlsplit

import requests
import requests.adapters
from requests.structures import CaseInsensitiveDict

from openbadges import verify
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT, OPENBADGES_CONTEXT_V2_URI

LOCAL_CONTEXTS = {
    OPENBADGES_CONTEXT_V2_URI: OPENBADGES_CONTEXT_V2_DICT,
}

network_log = []


def _context_url(url):
    trimmed = url.split("#")[0].rstrip("/")
    if trimmed in LOCAL_CONTEXTS:
        return trimmed
    if trimmed.endswith(".json") and trimmed[:-5] in LOCAL_CONTEXTS:  # https://w3id.org/openbadges/v2.json
        return trimmed[:-5]
    return None


def is_loopback_host(host):
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _local_response(request, document):
    body = json.dumps(document).encode("utf-8")
    response = requests.models.Response()
    response.status_code = 200
    response.reason = "OK"
    response.url = request.url
    response.request = request
    response.encoding = "utf-8"
    response.headers = CaseInsensitiveDict({"Content-Type": "application/ld+json", "Content-Length": str(len(body))})
    response._content = body
    return response


_real_send = requests.adapters.HTTPAdapter.send


def _offline_send(adapter, request, **kwargs):
    url = request.url
    context = _context_url(url)
    if context is not None:
        network_log.append({"url": url, "outcome": "served from the local copy of " + context})
        return _local_response(request, LOCAL_CONTEXTS[context])
    if is_loopback_host(urlsplit(url).hostname):
        response = _real_send(adapter, request, **kwargs)
        network_log.append({"url": url, "outcome": "fetched from loopback", "status": response.status_code,
                            "contentType": response.headers.get("Content-Type")})
        return response
    network_log.append({"url": url, "outcome": "blocked (not loopback)"})
    raise requests.exceptions.ConnectionError("network access outside loopback is disabled: " + url,
                                              request=request)


_real_connect = socket.socket.connect


def _loopback_connect(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback_host(str(address[0])):
        raise OSError("network access outside loopback is disabled: {}".format(address))
    return _real_connect(sock, address)


def go_offline():
    for name in list(os.environ):  # a proxy would turn loopback requests into outside ones
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            del os.environ[name]
    requests.adapters.HTTPAdapter.send = _offline_send
    socket.socket.connect = _loopback_connect


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("url", nargs="?", help="URL of a hosted assertion")
    source.add_argument("--png", help="a baked PNG badge")
    source.add_argument("--json", help="a file with assertion JSON (- for standard input)")
    parser.add_argument("--recipient-email", help="check the recipient identity against this email address")
    args = parser.parse_args(argv)

    go_offline()
    profile = {"email": args.recipient_email} if args.recipient_email else None
    if args.png:
        with open(args.png, "rb") as image:
            result = verify(image, recipient_profile=profile)
    elif args.json:
        text = sys.stdin.read() if args.json == "-" else open(args.json, encoding="utf-8").read()
        result = verify(text, recipient_profile=profile)
    else:
        result = verify(args.url, recipient_profile=profile)
    result["network"] = network_log
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
