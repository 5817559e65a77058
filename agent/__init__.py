"""Rebound: turns job rejections in your mailbox into thoughtful reply drafts."""

__version__ = "0.1.0"
