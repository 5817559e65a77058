"""Who a reply goes to: Reply-To, else the sender; never the user, never a whole mailing list."""

from __future__ import annotations

from dataclasses import dataclass

from agent.addresses import is_address, same_address
from agent.classifier.senders import is_automated
from agent.domain import IncomingEmail


@dataclass(frozen=True)
class Recipient:
    """The one person a draft is addressed to."""

    name: str
    address: str


def recipient(mail: IncomingEmail, own_address: str) -> Recipient | str:
    """The person a reply to this email goes to, or why there is nobody (shown by `rebound list`)."""
    if mail.mailing_list:
        # A reply to a list (or a bulk send) reaches everyone on it; what a list puts in Reply-To
        # is usually the list itself.
        return f"sent through a mailing list or to many ({mail.mailing_list}): a reply would reach everyone on it"
    if same_address(mail.from_addr, own_address):
        return "sent by you"
    if is_address(mail.reply_to) and not same_address(mail.reply_to, own_address):
        return Recipient(mail.from_name if same_address(mail.reply_to, mail.from_addr) else "", mail.reply_to)
    if not is_address(mail.from_addr):
        # Garbage that parses to no From at all (found by the hostile-mailbox test), or to
        # something without an "@" (found by tests/test_properties.py), would get a draft whose
        # To no client can send to.
        return "no sender address: nobody to reply to"
    if mail.reply_to and is_automated(mail.from_addr):
        # Reply-To names the user: the answer would go to themselves, and From is a machine.
        return f"Reply-To is your own address and the sender ({mail.from_addr}) is an automated address: nobody to reply to"
    # No Reply-To, or one that names the user (a forwarding setup, a form that fills it in): the sender.
    return Recipient(mail.from_name, mail.from_addr)
