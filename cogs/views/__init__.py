"""Persistent buttons and modals; their custom_ids are stable so they survive restarts."""
