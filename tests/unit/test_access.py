"""Who sees which commands."""

from __future__ import annotations

from bot.services.access import Audience, audiences_for, is_staff
from storage.models import ProgramRole


def test_staff_are_role_holders_or_admins() -> None:
    assert is_staff({1, 2}, 2, is_admin=False)
    assert not is_staff({1}, 2, is_admin=False)
    assert not is_staff({1}, None, is_admin=False)
    assert is_staff(set(), None, is_admin=True)


def test_audiences_by_role() -> None:
    assert audiences_for(None, staff=False, admin=False) == {Audience.EVERYONE}
    assert audiences_for(ProgramRole.MENTEE, staff=False, admin=False) == {
        Audience.EVERYONE,
        Audience.MENTEE,
    }
    assert audiences_for(ProgramRole.MENTOR, staff=False, admin=False) == {
        Audience.EVERYONE,
        Audience.MENTOR,
    }
    staff = audiences_for(None, staff=True, admin=False)
    assert Audience.STAFF in staff and Audience.ADMIN not in staff
    assert Audience.ADMIN in audiences_for(None, staff=True, admin=True)
