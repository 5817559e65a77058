"""Alembic migrations of Rebound's database, shipped in the package and run at start (agent/store.py)."""
