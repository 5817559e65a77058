"""Which mail provider an address belongs to: by its domain, else by where its mail goes (MX).

The providers themselves are data, in presets.toml beside this module.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import dns.exception
import dns.resolver

log = logging.getLogger(__name__)

PRESETS_FILE = Path(__file__).resolve().parent / "presets.toml"
# An MX lookup only saves the user a question: give up quickly and ask instead.
MX_TIMEOUT = 4.0


@dataclass(frozen=True)
class Server:
    """Where a provider's IMAP or SMTP server listens."""

    host: str
    port: int
    security: Literal["ssl", "starttls"]


@dataclass(frozen=True)
class Preset:
    """One provider's settings, as presets.toml gives them."""

    key: str
    name: str
    imap: Server
    smtp: Server
    auth: Literal["password", "oauth2"] = "password"
    oauth_provider: str = ""
    username: Literal["address", "local_part"] = "address"
    drafts: str = "Drafts"
    password: str = ""
    note: str = ""
    tls_ca: str = ""
    domains: tuple[str, ...] = ()
    mx: tuple[str, ...] = ()

    def username_for(self, address: str) -> str:
        """The IMAP user name for this address (the whole address, or the part before the @)."""
        return address.rsplit("@", 1)[0] if self.username == "local_part" else address


def _preset(key: str, entry: dict[str, Any]) -> Preset:
    fields = dict(entry)
    return Preset(
        key=key,
        imap=Server(**fields.pop("imap")),
        smtp=Server(**fields.pop("smtp")),
        domains=tuple(d.lower() for d in fields.pop("domains", ())),
        mx=tuple(m.lower() for m in fields.pop("mx", ())),
        **fields,
    )


@cache
def presets() -> tuple[Preset, ...]:
    """Every provider in presets.toml, in the file's order."""
    with PRESETS_FILE.open("rb") as f:
        data = tomllib.load(f)
    return tuple(_preset(key, entry) for key, entry in data.items())


def domain_of(address: str) -> str:
    """The domain of an email address, lowercased, without a trailing dot."""
    return address.rsplit("@", 1)[-1].strip().rstrip(".").lower()


def by_domain(domain: str) -> Preset | None:
    """The provider whose own addresses end in this domain."""
    return next((p for p in presets() if domain in p.domains), None)


def by_mx(hosts: list[str]) -> tuple[Preset, str] | None:
    """The provider that receives mail for these MX hosts (most preferred first), and the host that told."""
    for host in hosts:
        for preset in presets():
            if any(host == suffix or host.endswith("." + suffix) for suffix in preset.mx):
                return preset, host
    return None


def by_imap_server(host: str, port: int) -> Preset | None:
    """The provider whose IMAP server this is (for advice when a login fails)."""
    return next((p for p in presets() if (p.imap.host, p.imap.port) == (host.lower(), port)), None)


def default_resolver() -> dns.resolver.Resolver:
    """The system's resolver (/etc/resolv.conf)."""
    return dns.resolver.Resolver()


def mx_hosts(domain: str, resolver: dns.resolver.Resolver | None = None, timeout: float = MX_TIMEOUT) -> list[str]:
    """The domain's MX hosts, most preferred first; [] when there are none or DNS does not answer in time."""
    try:
        answer = (resolver or default_resolver()).resolve(domain, "MX", lifetime=timeout)
        records = sorted(answer, key=lambda r: r.preference)
        return [str(r.exchange).rstrip(".").lower() for r in records]
    except dns.exception.DNSException as exc:  # NXDOMAIN, no answer, timeout, no resolv.conf
        log.info("no MX for %s: %s", domain, exc.__class__.__name__)
    except Exception as exc:  # noqa: BLE001 - the lookup only saves a question: nothing it raises may stop init
        log.info("MX lookup for %s failed: %s: %s", domain, exc.__class__.__name__, exc)
    return []


@dataclass(frozen=True)
class Match:
    """What was found for an address: the provider (or None) and how."""

    preset: Preset | None
    how: str


def find(address: str, resolver: dns.resolver.Resolver | None = None, timeout: float = MX_TIMEOUT) -> Match:
    """The provider for an address: by domain, else by MX; Match(None, why) when neither knows it."""
    domain = domain_of(address)
    preset = by_domain(domain)
    if preset is not None:
        return Match(preset, f"{preset.name} (by the domain {domain})")
    hosts = mx_hosts(domain, resolver, timeout)
    found = by_mx(hosts)
    if found is not None:
        preset, host = found
        return Match(preset, f"{preset.name} (mail for {domain} goes to {host})")
    if hosts:
        return Match(None, f"no preset for {domain} (its mail goes to {hosts[0]})")
    return Match(None, f"no preset for {domain} (and no MX record found)")
