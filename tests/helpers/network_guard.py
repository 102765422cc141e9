"""Tests never leave the machine: every name lookup and connection beyond loopback is refused.

`install(record)` replaces ``socket.getaddrinfo``, ``gethostbyname(_ex)``,
``create_connection`` and ``socket.socket.connect``/``connect_ex``/``sendto`` with versions
that let through only loopback (127.0.0.0/8, ::1, ``localhost``), the unspecified addresses a
server binds to (0.0.0.0, ::, for lookups only) and non-IP sockets (AF_UNIX). Anything else
raises `BlockedLookup` (a ``socket.gaierror``) or `BlockedConnection` (a
``ConnectionRefusedError``) before the system is asked, so nothing is resolved or sent, and is
passed to `record`, so that code catching the error (httpx turns it into ``ConnectError``, the
CLI into exit 5) cannot hide it: the pytest plugin (network_guard_plugin.py) fails the test.

Standard library only: ``subprocess_site/sitecustomize.py`` loads this file by path into
every Python subprocess the tests start.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
from collections.abc import Callable
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_INSTALLED = "_tmdb_auth_tests_network_guard"
_lock = threading.Lock()


class BlockedLookup(socket.gaierror):
    """A name lookup beyond loopback, refused by the test suite's network guard."""


class BlockedConnection(ConnectionRefusedError):
    """A connection beyond loopback, refused by the test suite's network guard."""


# One pair of classes per process: a process started with the guard (a pytest-xdist worker, through
# sitecustomize) loaded this file under another name first, and its guard raises that copy's classes.
_ERRORS = "_tmdb_auth_tests_network_guard_errors"
BlockedLookup, BlockedConnection = getattr(socket, _ERRORS, (BlockedLookup, BlockedConnection))  # type: ignore[misc]
setattr(socket, _ERRORS, (BlockedLookup, BlockedConnection))


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.partition("%")[0])  # an IPv6 scope (fe80::1%eth0) is not part of it
    except ValueError:
        return None


def loopback_ip(host: str) -> bool:
    """127.0.0.0/8, ::1, or an IPv4-mapped 127.x address."""
    ip = _ip(host)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip is not None and ip.is_loopback


def _name(host: object) -> str:
    """A host as text (asyncio and anyio pass it as IDNA-encoded bytes)."""
    return host.decode("ascii", "replace") if isinstance(host, bytes | bytearray) else str(host)


def lookup_allowed(host: object) -> bool:
    """A lookup of `host` stays on this machine: loopback, or the unspecified address a server binds to."""
    if host is None:
        return True
    name = _name(host)
    if name == "" or name.lower() in LOOPBACK_NAMES or loopback_ip(name):
        return True
    ip = _ip(name)
    return ip is not None and ip.is_unspecified


def address_allowed(family: int, address: Any) -> bool:
    """A connection to `address` stays on this machine (any non-IP family, e.g. AF_UNIX, does)."""
    if family not in (socket.AF_INET, socket.AF_INET6):
        return True
    if not isinstance(address, tuple) or not address:
        return False
    name = _name(address[0])
    return name.lower() in LOOPBACK_NAMES or loopback_ip(name)


def _shown(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{_name(address[0])}:{address[1]}"
    return repr(address)


def install(record: Callable[[str], None]) -> None:
    """Guard this process's sockets; `record` gets one line per refused access from now on.

    Patches once per process, whichever copy of this module does it (sitecustomize loads it
    under another name); a second call only changes where refusals are recorded, so a pytest
    session started as a guarded subprocess records into its own plugin."""
    with _lock:
        recorders: list[Callable[[str], None]] | None = getattr(socket, _INSTALLED, None)
        if recorders is not None:
            recorders[0] = record
            return
        recorders = [record]
        setattr(socket, _INSTALLED, recorders)

    def report(line: str) -> None:
        recorders[0](line)

    real_getaddrinfo = socket.getaddrinfo
    real_gethostbyname = socket.gethostbyname
    real_gethostbyname_ex = socket.gethostbyname_ex
    real_create_connection = socket.create_connection
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sendto = socket.socket.sendto

    def refuse_lookup(host: object) -> BlockedLookup:
        shown = repr(_name(host))
        message = f"tests must not leave the machine: lookup of {shown} refused by tests/helpers/network_guard.py"
        report(f"lookup of {shown}")
        return BlockedLookup(socket.EAI_NONAME, message)

    def refuse_connection(address: Any) -> BlockedConnection:
        shown = _shown(address)
        report(f"connection to {shown}")
        return BlockedConnection(
            errno.ECONNREFUSED, f"tests must not leave the machine: connection to {shown} refused by the network guard"
        )

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not lookup_allowed(host):
            raise refuse_lookup(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(host: str) -> str:
        if not lookup_allowed(host):
            raise refuse_lookup(host)
        return real_gethostbyname(host)

    def gethostbyname_ex(host: str) -> tuple[str, list[str], list[str]]:
        if not lookup_allowed(host):
            raise refuse_lookup(host)
        return real_gethostbyname_ex(host)

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host = _name(address[0])
        if _ip(host) is None and not lookup_allowed(host):
            raise refuse_lookup(host)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        if _ip(host) is not None and not address_allowed(family, address):
            raise refuse_connection(address)
        return real_create_connection(address, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if not address_allowed(self.family, address):
            raise refuse_connection(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not address_allowed(self.family, address):
            refuse_connection(address)
            return errno.ECONNREFUSED
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        address = args[-1] if args else None  # sendto(data, address) or sendto(data, flags, address)
        if not address_allowed(self.family, address):
            raise refuse_connection(address)
        return real_sendto(self, data, *args)

    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex
    socket.create_connection = create_connection  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign,assignment]
