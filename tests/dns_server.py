"""A tiny DNS server on 127.0.0.1 for tests: answers MX queries from a dict, over real UDP.

dnspython parses each query and builds each answer, so the resolver under test meets real DNS
messages on the wire. ``silent=True`` makes a server that reads queries and never answers (a
resolver's timeout).
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Self

import dns.flags
import dns.message
import dns.rcode
import dns.resolver
import dns.rrset

HOST = "127.0.0.1"


class DnsServer:
    """Answers "MX" for the names in mx (preference, host), NXDOMAIN for the rest."""

    def __init__(self, mx: dict[str, list[tuple[int, str]]], *, silent: bool = False) -> None:
        self.mx = {name.rstrip(".").lower(): records for name, records in mx.items()}
        self.silent = silent
        self.queries: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-dns", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def resolver(self) -> dns.resolver.Resolver:
        """A resolver that asks this server only."""
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [HOST]
        resolver.port = self.port
        return resolver

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            question = query.question[0]
            name = question.name.to_text().rstrip(".").lower()
            self.queries.append(name)
            if self.silent:
                continue
            response = dns.message.make_response(query)
            response.flags |= dns.flags.RA
            records = self.mx.get(name)
            if records:
                text = [f"{preference} {host.rstrip('.')}." for preference, host in records]
                response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "MX", *text))
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(response.to_wire(), peer)
