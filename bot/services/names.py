"""Members' display names, kept from their interactions (Bridges has no members intent, so
Discord's member cache is mostly empty): files, reports and lists name people with them.

Only members of a program have a stored name. A name seen before the member's row exists
(their first interaction may be the one that creates it, handled at the same time) is kept
in memory and stored the next time names are read or the person acts again.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from storage.db import Sessions
from storage.repositories import members

log = logging.getLogger(__name__)

MAX_NAME = 100  # the column's length; Discord's names are at most 32


class NameService:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        #: (guild, user) -> the name stored last, so an unchanged name costs no write.
        self._stored: dict[tuple[int, int], str] = {}
        #: (guild, user) -> a name seen while the person had no member row.
        self._pending: dict[tuple[int, int], str] = {}

    async def seen(self, guild_id: int, user_id: int, name: str) -> None:
        """A person acted under this name: store it if it changed."""
        key = (guild_id, user_id)
        name = name.strip()[:MAX_NAME]
        if not name or self._stored.get(key) == name:
            return
        self._pending[key] = name
        try:
            await self._store_pending([key])
        except SQLAlchemyError as error:  # a name kept later is no reason to fail anything
            log.warning("could not store a display name: %s", type(error).__name__)

    async def names(self, guild_id: int) -> dict[int, str]:
        """user id -> display name, for everyone in the server's program who has one (and
        the people seen since start who are not in it)."""
        await self._store_pending([key for key in self._pending if key[0] == guild_id])
        async with self._sessions() as session:
            stored = await members.display_names(session, guild_id)
        unstored = {
            user: name for (guild, user), name in self._pending.items() if guild == guild_id
        }
        return {**unstored, **stored}

    async def _store_pending(self, keys: list[tuple[int, int]]) -> None:
        if not keys:
            return
        async with self._sessions.begin() as session:
            for guild, user in keys:
                name = self._pending[(guild, user)]
                if await members.set_display_name(session, guild, user, name):
                    self._stored[(guild, user)] = name
                    del self._pending[(guild, user)]
