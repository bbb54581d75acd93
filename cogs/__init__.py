"""Thin Discord adapters: parse input, check permission, call one service, render.

Each module here that defines ``setup(bot)`` is a cog and is loaded on start.
"""
