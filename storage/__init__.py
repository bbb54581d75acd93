"""Persistence: engine and sessions, models, repositories and migrations."""
