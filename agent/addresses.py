"""Email addresses as Rebound compares and writes them: the same address however it is spelled, ASCII domains in headers."""

from __future__ import annotations

import idna


def ascii_domain(domain: str) -> str:
    """The domain in the ASCII form DNS and headers use ("xn--" labels for an IDN), lower case.

    A name that is not a valid IDN is returned lower-cased as it is: the caller still writes
    something readable, and the server decides.
    """
    domain = domain.strip().rstrip(".")
    if domain.isascii():
        return domain.lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain.lower()


def ascii_address(address: str) -> str:
    """local@domain with the domain in ASCII form; the local part as written."""
    local, at, domain = address.strip().rpartition("@")
    return f"{local}@{ascii_domain(domain)}" if at else address.strip()


def same_address(a: str, b: str) -> bool:
    """Whether two addresses reach the same mailbox: case and the two spellings of an IDN domain aside."""
    return bool(a and b) and ascii_address(a).casefold() == ascii_address(b).casefold()


def needs_utf8(address: str) -> bool:
    """An address with a non-ASCII local part: only RFC 6532 (UTF-8) headers can carry it."""
    return not ascii_address(address).isascii()


# Characters no address Rebound would write a draft to can hold (outside a quoted local part,
# which real senders do not use); "=?" would be read as an encoded word.
_NOT_IN_ADDRESS = frozenset('<>,;:"()[]\\')


def is_address(address: str) -> bool:
    """Whether this looks like one mailbox address: local@domain, nothing around it."""
    local, at, domain = address.rpartition("@")
    return bool(
        at and local and "." in domain.strip(".") and "=?" not in address and not any(c.isspace() or c in _NOT_IN_ADDRESS for c in address)
    )
