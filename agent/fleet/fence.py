"""A worker writes to an account's mailbox only while its lease on the account surely holds.

The lease ends at the database's now() + its length, counted from a renewal; this process counts
from just before it asked for the renewal, on its own monotonic clock, and stops writing (drafts,
the digest, folders) once two thirds of the length have passed without a renewal. So a worker cut
off from the database, or frozen, stops writing a third of a lease before another worker could
claim the account; only an APPEND that takes longer than that could meet another worker's.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from agent.config import ImapSettings
from agent.errors import MailboxError
from agent.mailbox import ImapMailbox

if TYPE_CHECKING:
    from agent.oauth.bearer import BearerTokens

# The share of a lease this worker writes in after its last renewal.
WRITING_SHARE = 2 / 3


class LeaseLost(MailboxError):
    """This worker's lease on an account ran out (or went to another worker): it must not write to the mailbox."""


class Fence:
    """Until when this worker may write for one account."""

    def __init__(self, account: str, lease_seconds: float) -> None:
        self.account = account
        self.lease_seconds = lease_seconds
        self.until = 0.0

    def renewed(self, asked_at: float) -> None:
        """The lease was renewed by a request sent at asked_at (time.monotonic())."""
        self.until = asked_at + self.lease_seconds * WRITING_SHARE

    def check(self, what: str) -> None:
        """Raise LeaseLost unless the lease surely still holds."""
        if time.monotonic() > self.until:
            raise LeaseLost(f"{what}: this worker's lease on {self.account} ran out before it was renewed; not writing")


class LeasedMailbox(ImapMailbox):
    """An account's mailbox that refuses every write once the fence says the lease may be gone."""

    def __init__(self, settings: ImapSettings, password: str | BearerTokens, fence: Fence) -> None:
        super().__init__(settings, password)
        self.fence = fence

    def append_draft(self, folder: str, raw: bytes) -> int | None:
        self.fence.check(f"save draft to {folder!r}")
        return super().append_draft(folder, raw)

    def append_message(self, folder: str, raw: bytes) -> None:
        self.fence.check(f"deliver to {folder!r}")
        super().append_message(folder, raw)

    def remove_draft(self, folder: str, uid: int) -> None:
        self.fence.check(f"delete draft {uid} from {folder!r}")
        super().remove_draft(folder, uid)

    def ensure_folder(self, *path: str) -> str:
        self.fence.check(f"create folder {'/'.join(path)!r}")
        return super().ensure_folder(*path)
