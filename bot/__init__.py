"""Bridges: a Discord bot that runs a school's peer-mentoring program."""
