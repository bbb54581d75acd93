"""`bridges demo`: the real bot in simcord's simulated Discord, with a seeded school.

Discord-facing like ``bot/app.py``; it needs the ``demo`` extra (simcord with its preview).
"""
