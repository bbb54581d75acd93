"""All queries live here: plain async functions that take a session.

Callers own the transaction (``async with sessions.begin() as session``); repositories
never commit.
"""
