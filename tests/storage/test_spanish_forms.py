"""The profile and goal forms for a Spanish reader, on a real database: free times typed
in Spanish are stored, and the forms' errors read in Spanish with Spanish examples."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import UserError
from bot.i18n import render
from bot.services.availability import format_windows
from bot.services.profiles import ProfileDraft
from storage.db import Sessions
from storage.models import ProgramRole
from tests.storage.test_checkin_service import World
from tests.storage.test_session_service import GUILD, MENTEE


@pytest.fixture
async def world(sessions: Sessions) -> World:
    created = World(sessions)
    await created.pair()
    return created


def profile(world: World, **changes: object) -> ProfileDraft:
    fields: dict[str, Any] = {
        "grade": "8",
        "interests": "fútbol, dibujo",
        "focus_areas": ["academics"],
        "subjects": "matemáticas",
        "availability": "de lunes a jueves de 3:30 a 5 de la tarde, sábados de 10 a 12",
        "time_zone": "America/Mexico_City",
    }
    fields.update(changes)
    return world.profiles.draft(ProgramRole.MENTEE, **fields)


async def test_spanish_free_times_are_stored(world: World) -> None:
    draft = profile(world)
    assert format_windows(draft.windows) == "Mon–Thu 15:30–17:00, Sat 10:00–12:00"
    assert format_windows(draft.windows, "es") == "lun–jue 15:30–17:00, sáb 10:00–12:00"


async def test_the_profile_forms_errors_read_in_spanish(world: World) -> None:
    with pytest.raises(UserError) as caught:
        profile(world, grade="octavo", availability="lunes 3-5, cuando pueda", focus_areas=[])
    assert render(caught.value.message, "es") == (
        "Corrige esto y vuelve a intentarlo:\n"
        '- Curso o grado: escribe un número del 6 al 12 (escribiste "octavo").\n'
        '- No entendí "cuando pueda". En cada parte, escribe primero los días y después las '
        'horas, por ejemplo "lun-jue 3:30-5 de la tarde, sáb 10-12".\n'
        "- Elige al menos un área de enfoque."
    )
    assert caught.value.message.startswith("Please fix this and try again:\n- Grade: type")


async def test_the_goal_forms_date_error_offers_a_spanish_example(world: World) -> None:
    with pytest.raises(UserError) as caught:
        await world.goals.draft(
            GUILD, MENTEE, "Entregar la tarea", "y", "z", "el viernes", "academics"
        )
    assert caught.value.message == (
        '"el viernes" is not a date; write "by when" like 2026-12-23 (December 23, 2026).'
    )
    assert render(caught.value.message, "es") == (
        '"el viernes" no es una fecha; escríbela así: 2026-12-23 (23 de diciembre de 2026).'
    )
