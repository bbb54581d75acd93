"""Who may use which commands.

Every slash command declares its audience in ``extras["audience"]``; ``/help`` lists the
commands of the caller's audiences and the permission checks in ``cogs/`` enforce them on
the server side.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from storage.models import ProgramRole


class Audience(enum.StrEnum):
    EVERYONE = "everyone"
    MENTEE = "mentee"
    MENTOR = "mentor"
    STAFF = "staff"
    ADMIN = "admin"  # Discord's Manage Server permission: sets the program up


def is_staff(role_ids: Collection[int], staff_role_id: int | None, *, is_admin: bool) -> bool:
    """Staff are members with the program's staff role; server admins count as staff."""
    return is_admin or (staff_role_id is not None and staff_role_id in role_ids)


def audiences_for(
    program_role: ProgramRole | None, *, staff: bool, admin: bool
) -> frozenset[Audience]:
    """The audiences a person belongs to. Staff see every program command."""
    found = {Audience.EVERYONE}
    if program_role is ProgramRole.MENTEE:
        found.add(Audience.MENTEE)
    if program_role is ProgramRole.MENTOR:
        found.add(Audience.MENTOR)
    if staff or program_role is ProgramRole.STAFF:
        found |= {Audience.STAFF, Audience.MENTOR, Audience.MENTEE}
    if admin:
        found.add(Audience.ADMIN)
    return frozenset(found)
