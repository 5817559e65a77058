"""A week's digest sent once per account, however many workers (and `rebound digest --send`) try: a claim in the database.

The week is claimed first (Store.claim_digest): the week's row is inserted before sending, its
unique constraint lets one claim win, and the others send nothing. A claim fixes the digest's
Message-ID. A send that fails gives the claim back at once, for the next try. A crash between
claim and send leaves the claim unfinished; once it is CLAIM_STALE old, the next due check takes
it over under the same Message-ID, which the sender looks for first (agent/delivery.py). This
replaces the lock file beside the database, which workers on other machines could not see.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.utils import make_msgid

from agent.addresses import ascii_address
from agent.parse import fold
from agent.records import DigestClaim
from agent.store import Store

# A claim not finished after this long was cut short: the next due check, every CATCH_UP_MINUTES,
# takes it over. Far longer than a send takes.
CLAIM_STALE = timedelta(minutes=30)


class Claimed:
    """A week's digest claimed for sending; say delivered() once it went out."""

    def __init__(self, store: Store, account: str, week: str, claim: DigestClaim) -> None:
        self.store = store
        self.account = account
        self.week = week
        self.message_id = claim.message_id
        self.retaking = claim.retaking
        """A claim taken over from a send cut short: the digest may have arrived already."""

    def delivered(self, message_id: str, via: str) -> None:
        self.store.digest_delivered(self.account, self.week, message_id, via)


@contextmanager
def claim_week(store: Store, account: str, week: str, sender: str, *, force: bool = False) -> Iterator[Claimed | None]:
    """The week's digest claimed for this send, or None when it was sent or another send holds it; given back on an error."""
    domain = ascii_address(fold(sender)).rsplit("@", 1)[-1]
    by = claimant()
    claim = store.claim_digest(account, week, make_msgid("rebound.digest", domain=domain), by, stale_after=CLAIM_STALE, force=force)
    if claim is None:
        yield None
        return
    try:
        yield Claimed(store, account, week, claim)
    except BaseException:
        store.release_digest(account, week, by)
        raise


def claimant() -> str:
    """Who claims a digest: this process, and a random part that makes the claim its own."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
