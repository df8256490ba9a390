"""Outgoing HTTP to addresses a tenant gave us (webhook endpoints): the only module that POSTs to them.

Every request has a connect and a read timeout, follows no redirect, and reads at most a short excerpt of the
answer. An address is refused unless it is http(s); with ``PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE`` off (production
settings) also when its host is, or resolves to, a loopback, private, link-local or otherwise non-public
address (SSRF: a tenant's URL must not reach the portal's own network). The check runs when an endpoint is saved
and again before every request.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

EXCERPT_BYTES = 1000


class UnsafeURL(ValueError):
    """The address may not be called: its scheme, or where its host points."""


@dataclass(frozen=True)
class PostResult:
    status_code: int | None  # None: no answer (timeout, refused connection, unsafe address)
    excerpt: str
    duration_ms: int
    error: str = ""


def _allow_private() -> bool:
    return getattr(settings, "PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE", False)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str, *, resolve: bool = True) -> None:
    """Raise :class:`UnsafeURL` unless ``url`` is http(s) with a host, and (in production) only public addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(_("not a valid URL")) from exc
    if parts.scheme not in {"http", "https"}:
        raise UnsafeURL(_("only http and https addresses can receive webhooks"))
    host = parts.hostname
    if not host:
        raise UnsafeURL(_("the address has no host"))
    if parts.username or parts.password:
        raise UnsafeURL(_("the address may not carry a user name or password"))
    if _allow_private():
        return
    try:
        addresses = [host] if _is_ip(host) else []
        if not addresses and resolve:
            infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
            addresses = [info[4][0] for info in infos]
    except socket.gaierror as exc:
        raise UnsafeURL(_("the host name does not resolve")) from exc
    if host.lower() == "localhost" or any(not _public(address) for address in addresses):
        raise UnsafeURL(_("private, loopback and internal network addresses cannot receive webhooks"))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: tuple[float, float] | None = None) -> PostResult:
    """POST ``body`` to ``url``: the answer's status and excerpt, or why there was none. Never raises for the
    receiver's faults (they are the attempt's result)."""
    timeout = timeout or getattr(settings, "PORTAL_OUTGOING_HTTP_TIMEOUT", (3.05, 10.0))
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        url_check(url)
    except UnsafeURL as exc:
        return PostResult(None, "", elapsed(), f"refused: {exc}")
    try:
        with requests.post(
            url,
            data=body,
            headers={"User-Agent": "ClientPortal-Webhooks/1", **headers},
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            return PostResult(response.status_code, raw.decode("utf-8", errors="replace"), elapsed())
    except requests.Timeout:
        return PostResult(None, "", elapsed(), "timed out")
    except requests.RequestException as exc:
        return PostResult(None, "", elapsed(), f"{type(exc).__name__}: {exc}"[:300])
