"""Rebound for many mailboxes: accounts in the database, and workers that share them through leases."""
