"""Spanish through simcord: members whose Discord is in Spanish (es-419, es-ES) schedule in
Spanish and read Spanish replies and errors; an English member in the same server does not.

simcord 3.2.1 sends every interaction with ``"locale": "en-US"`` (its interaction builder
writes it as a constant), so ``speaks`` sets a member's client language the way Discord
does: in the INTERACTION_CREATE the simulated gateway emits for them. Nothing of the bot
is changed. Whether a reply is Spanish is checked against the English catalog: no English
phrase of any message id may appear in it.

simcord's clock starts on Thursday 2026-01-01 00:00 UTC (Wednesday 18:00 in Chicago, the
program's and the members' zone after /setup).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import discord
from babel.messages.pofile import read_po
from simcord.actors import MemberActor

from bot.i18n import DOMAIN, catalog_path
from storage.models import GuildSettings
from tests.e2e.conftest import World
from tests.e2e.test_checkins import MONDAY_1530_CHICAGO, add_goal, advance
from tests.e2e.test_escalations import posts
from tests.e2e.test_foundation import reply_of, run_setup
from tests.e2e.test_matching import MENTEE, MENTOR, add_student, join, member_row, train
from tests.e2e.test_sessions import dms, matched, propose, seconds_until


def speaks(world: World, actor: MemberActor, locale: str) -> None:
    """From now on, ``actor``'s Discord client is in ``locale``."""

    def set_locale(event: str, payload: Any) -> None:
        if event != "INTERACTION_CREATE":
            return
        user = (payload.get("member") or {}).get("user") or payload.get("user") or {}
        if user.get("id") == str(actor.id):
            payload["locale"] = locale

    world.env.backend.subscribers.insert(0, set_locale)  # before the bot's gateway feed


@cache
def english_phrases() -> frozenset[str]:
    """Phrases of three words or more from every English message id that the Spanish
    translation does not also contain (so a name like "Bridges" is not one)."""
    with catalog_path("es").open("rb") as source:
        catalog = read_po(source, locale="es", domain=DOMAIN)
    phrases: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        spanish = " ".join(
            message.string if isinstance(message.string, tuple) else [message.string]
        )
        for text in english:
            for chunk in re.split(r"\{[a-z_]+\}|[.:;,()!?\"`*]", text):
                words = chunk.split()
                if len(words) >= 3 and chunk.strip() not in spanish:
                    phrases.add(" ".join(words))
    return frozenset(phrases)


def english_in(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [phrase for phrase in english_phrases() if phrase in flat]


def unix(instant: datetime) -> int:
    return int(instant.timestamp())


def lines(text: str) -> Iterator[str]:
    yield from (line for line in text.splitlines() if line.strip())


async def test_an_es_419_member_schedules_in_spanish(world: World) -> None:
    mentee, mentor = await matched(world)
    speaks(world, mentee, "es-419")

    reply = (await propose(world, mentee, when="mañana a las 4 de la tarde")).content
    thursday_4pm = unix(datetime(2026, 1, 1, 22, 0, tzinfo=UTC))  # 16:00 in Chicago
    assert reply.startswith(f"Invitación enviada a <@{mentor.id}>: <t:{thursday_4pm}:F>")
    assert "45 min, canal de voz" in reply
    assert reply.endswith("Queda confirmada cuando acepte.")
    assert english_in(reply) == []

    # The invitation DM is in its reader's stored language: the mentor joined in English.
    assert "would like to meet" in dms(mentor)[-1].content

    listed = (await mentee.slash(world.general, "session list")).response.content
    assert re.fullmatch(rf"`#[0-9]+` propuesta: <t:{thursday_4pm}:F>.*", listed)
    assert english_in(listed) == []


async def test_a_bad_time_gets_a_spanish_question_with_spanish_examples(world: World) -> None:
    mentee, _ = await matched(world)
    speaks(world, mentee, "es-419")

    no_hour = (await propose(world, mentee, when="el viernes después de clases")).content
    assert no_hour == (
        'Agrega también una hora, por ejemplo "el viernes a las 4 de la tarde" o '
        '"mañana a las 3:30".'
    )
    unknown = (await propose(world, mentee, when="cuando pueda")).content
    assert unknown.startswith("Perdón, no entendí qué hora quisiste decir. Prueba con ")
    assert '"mañana a las 4 de la tarde"' in unknown
    too_soon = (await propose(world, mentee, when="en 10 minutos")).content
    assert too_soon.startswith("Las sesiones tienen que empezar dentro de 15 minutos como mínimo")
    for text in (no_hour, unknown, too_soon):
        assert english_in(text) == [], text


async def test_an_es_es_member_and_an_english_member_in_the_same_server(world: World) -> None:
    mentee, mentor = await matched(world)
    speaks(world, mentor, "es-ES")

    reply = (await propose(world, mentor, when="el domingo por la tarde a las 4")).content
    sunday_4pm = unix(datetime(2026, 1, 4, 22, 0, tzinfo=UTC))
    assert reply.startswith(f"Invitación enviada a <@{mentee.id}>: <t:{sunday_4pm}:F>")
    assert english_in(reply) == []
    clash = (await propose(world, mentor, when="el domingo a las 16h30")).content
    assert clash.startswith("Se cruza con otra sesión de alguno de los dos")

    # The mentee's client is in English: same bot, same server, English replies.
    english = (await propose(world, mentee, when="saturday 10am")).content
    assert english.startswith(f"Invitation sent to <@{mentor.id}>")
    assert english.endswith("It's confirmed when they accept.")
    assert "It's confirmed when they accept" in english_in(english)  # the check sees English
    problem = (await propose(world, mentee, when="friday")).content
    assert problem == 'Add a time of day too, like "friday 4pm" or "tomorrow at 3:30".'

    listed = (await mentor.slash(world.general, "session list")).response.content
    found = re.search(r"`#([0-9]+)`", listed)
    assert found is not None, listed
    session_id = int(found[1])
    cancelled = (await mentor.slash(world.general, "session cancel", session=session_id)).response
    assert cancelled.content.startswith("Cancelaste la sesión del <t:")


async def test_the_synced_commands_carry_spanish_names(world: World) -> None:
    registered = {command["name"]: command for command in world.env.backend.commands[None].values()}
    session = registered["session"]
    assert session["name_localizations"] == {"es-ES": "sesion", "es-419": "sesion"}
    assert (
        session["description_localizations"]["es-419"]
        == "Planea y organiza tus sesiones de mentoría"
    )
    schedule = next(option for option in session["options"] if option["name"] == "schedule")
    assert schedule["name_localizations"]["es-ES"] == "programar"
    when = next(option for option in schedule["options"] if option["name"] == "when")
    assert when["name_localizations"]["es-419"] == "cuando"
    where = next(option for option in schedule["options"] if option["name"] == "where")
    assert [choice["name_localizations"]["es-419"] for choice in where["choices"]] == [
        "canal de voz",
        "videollamada",
        "en persona",
    ]
    assert registered["help-me"]["name_localizations"]["es-419"] == "pedir-ayuda"


async def test_someone_not_in_the_program_is_pointed_to_join(world: World) -> None:
    await run_setup(world)
    newcomer = add_student(world, "new_kid")
    english = reply_of(await newcomer.slash(world.general, "session list")).content
    assert english == f"<@{newcomer.id}> is not in the program yet: they can join with /join."
    speaks(world, newcomer, "es-419")
    spanish = reply_of(await newcomer.slash(world.general, "goal list")).content
    assert spanish == f"<@{newcomer.id}> todavía no está en el programa: puede unirse con /unirme."
    assert english_in(spanish) == []


async def join_in_spanish(world: World, actor: MemberActor, role: str, profile: Any) -> list[str]:
    """/join from a Spanish Discord: the form, the privacy notice, "Aceptar"; what they read."""
    shown = await actor.slash(world.general, "join", role=role)
    assert shown.modal is not None, shown.response and shown.response.content
    notice = (await actor.submit_modal(shown, profile)).response
    assert notice is not None and notice.content.startswith("**Antes de unirte: tu privacidad**")
    accepted = (await actor.click(notice, label="Aceptar")).response
    assert accepted is not None
    return [notice.content, accepted.content, *embed_texts(accepted)]


async def test_a_spanish_student_reads_the_services_errors_in_spanish(world: World) -> None:
    """Errors raised deep in the services (joining twice, a goal's date in the past or too
    far ahead) reach a Spanish student in Spanish, with Spanish command names."""
    await run_setup(world)
    speaks(world, world.student, "es-419")
    await join_in_spanish(world, world.student, "mentee", MENTEE)
    again = reply_of(await world.student.slash(world.general, "join", role="mentee")).content
    assert again.startswith("Ya estás en el programa como mentorado/a. Usa /perfil "), again
    past = (await add_goal(world, world.student, **{"goal:by": "2025-12-01"})).content
    assert past == "Esa fecha ya pasó; elige un día de hoy en adelante."
    ahead = (await add_goal(world, world.student, **{"goal:by": "2027-06-01"})).content
    assert ahead.startswith("Elige una fecha dentro del próximo año"), ahead
    for text in (again, past, ahead):
        assert english_in(text) == [], text


def labels(message: discord.Message) -> list[str]:
    return [
        str(getattr(child, "label", ""))
        for row in message.components
        for child in getattr(row, "children", ())
    ]


def words_of(components: Any) -> list[str]:
    """Every label, placeholder and option of a form's or a message's components (JSON)."""
    if isinstance(components, list):
        return [word for component in components for word in words_of(component)]
    if not isinstance(components, dict):
        return []
    found = [
        str(components[key])
        for key in ("label", "placeholder", "description")
        if components.get(key)
    ]
    for key in ("components", "component", "options"):
        found += words_of(components.get(key))
    return found


def embed_texts(message: Any) -> list[str]:
    texts = []
    for embed in message.embeds:
        texts += [embed.title or "", embed.description or ""]
        texts += [f"{field.name}: {field.value}" for field in embed.fields]
    return texts


async def test_a_spanish_mentee_and_mentor_read_spanish_all_the_way(world: World) -> None:
    """Join, schedule in Spanish, accept, reminders, the check-in DM and its form: every
    message the two receive is checked against the English catalog."""
    await run_setup(world)
    mentee, mentor = world.student, add_student(world, "sam_mentor")
    speaks(world, mentee, "es-419")
    speaks(world, mentor, "es-419")
    read = await join_in_spanish(world, mentee, "mentee", MENTEE)
    read += await join_in_spanish(world, mentor, "mentor", MENTOR)
    assert (await member_row(world, mentee)).language == "es"
    read.append(await train(world, mentor, spanish=True))
    await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=mentee)
    assert dms(mentee)[-1].content.startswith("Tienes un nuevo mentor/a: ")

    read.append((await propose(world, mentee, when="el sábado a las 4 de la tarde")).content)
    invitation = dms(mentor)[-1]
    assert invitation.content.startswith(f"<@{mentee.id}> quiere reunirse contigo: ")
    accepted = (await mentor.user.click(invitation, label="Aceptar")).response
    assert accepted.content.startswith("Aceptada: ")
    read.append(accepted.content)

    saturday_4pm = datetime(2026, 1, 3, 22, 0, tzinfo=UTC)
    await advance(world, await seconds_until(world, saturday_4pm - timedelta(minutes=10)))
    for actor in (mentee, mentor):
        assert any(m.content.startswith("Recordatorio") for m in dms(actor)), dms(actor)[-1]

    await advance(world, await seconds_until(world, MONDAY_1530_CHICAGO) + 60)
    prompt = next(m for m in reversed(dms(mentee)) if "seguimiento semanal" in m.content)
    assert labels(prompt) == ["Empezar"]
    form = await mentee.user.click(prompt, label="Empezar")
    assert form.modal is not None
    assert form.modal["title"] == "Tu seguimiento semanal"
    read += [form.modal["title"], *words_of(form.modal["components"])]
    assert "¿Qué te salió bien esta semana?" in read and "3 – más o menos" in read
    thanks = await mentee.user.submit_modal(form, {"checkin:mood": ["4"], "checkin:reach": ["no"]})
    read.append(thanks.response.content)
    assert thanks.response.content.startswith("¡Gracias por responder!")
    assert any(m.content.startswith(f"Seguimiento de <@{mentee.id}>") for m in dms(mentor))

    shown = await mentee.slash(world.general, "help-me")
    assert shown.modal is not None and shown.modal["title"] == "Pedir ayuda al personal"
    read += [shown.modal["title"], *words_of(shown.modal["components"])]
    asked = await mentee.submit_modal(
        shown,
        {"help:details": "Necesito hablar con alguien.", "help:urgency": ["today"]}
        | {"help:category": ["academic"]},
    )
    assert asked.response.content.startswith("Gracias por contárnoslo.")
    read.append(asked.response.content)
    post = posts(world)[-1]
    assert post.embeds[0].title == "Escalation #1: Today"  # the server's language: English
    await world.staff.click(post, label="Claim")
    assert "(#1)" in dms(mentee)[-1].content

    read += [m.content for actor in (mentee, mentor) for m in dms(actor)]
    read += [label for actor in (mentee, mentor) for m in dms(actor) for label in labels(m)]
    assert len(read) > 45
    leaks = {text: english_in(text) for text in read if english_in(text)}
    assert leaks == {}


async def test_language_changes_the_dms_and_privacy_shows_it(world: World) -> None:
    mentee, mentor = await matched(world)
    done = reply_of(await mentor.slash(world.general, "language", language="es")).content
    assert done.startswith("Listo: tus mensajes directos, recordatorios y seguimientos ahora")
    assert "en español" in done and english_in(done) == []
    assert (await member_row(world, mentor)).language == "es"

    await propose(world, mentee, when="sunday 4pm")
    invitation = dms(mentor)[-1].content
    assert invitation.startswith(f"<@{mentee.id}> quiere reunirse contigo: <t:")
    assert english_in(invitation) == []

    shown = reply_of(await mentor.slash(world.general, "privacy")).embeds[0]
    profile = next(field.value for field in shown.fields if field.name == "Your profile")
    assert "Language: Spanish" in profile  # the reply follows the client, English here
    speaks(world, mentor, "es-ES")
    shown = reply_of(await mentor.slash(world.general, "privacy")).embeds[0]
    profile = next(field.value for field in shown.fields if field.name == "Tu perfil")
    assert "Idioma: español" in profile and "Rol: mentor/a" in profile
    assert english_in(shown.description or "") == []


async def test_the_closure_survey_in_spanish(world: World) -> None:
    mentee, mentor = await matched(world)
    await mentee.slash(world.general, "language", language="es")
    speaks(world, mentee, "es-419")
    await world.staff.slash(
        world.general, "staff match end", mentor=mentor, mentee=mentee, reason="moved school"
    )
    asked = next(m for m in reversed(dms(mentee)) if labels(m) == ["Responder la encuesta"])
    assert asked.content.startswith("Tu mentoría terminó.")
    form = await mentee.user.click(asked, label="Responder la encuesta")
    assert form.modal is not None and form.modal["title"] == "¿Cómo te fue en tu mentoría?"
    words = words_of(form.modal["components"])
    assert "5 – Muy de acuerdo" in words and "4 – Bien" in words
    for text in (asked.content, *words):
        assert english_in(text) == [], text


async def test_help_lists_the_spanish_names_and_descriptions(world: World) -> None:
    mentee, _ = await matched(world)
    speaks(world, mentee, "es-419")
    shown = reply_of(await mentee.slash(world.general, "help")).embeds
    assert shown[0].title == "Comandos de Bridges"
    fields = {field.name: field.value for embed in shown for field in embed.fields}
    assert "`/sesion programar` " in fields["Para mentorados"]
    assert "`/idioma` Elige el idioma de tus mensajes directos" in fields["Para todos"]
    for text in (shown[0].description or "", *fields, *fields.values()):
        assert english_in(text) == [], text


async def test_time_zone_and_training_replies_in_spanish(world: World) -> None:
    mentee, mentor = await matched(world)
    speaks(world, mentee, "es-419")
    speaks(world, mentor, "es-ES")
    zone = reply_of(await mentee.slash(world.general, "timezone show")).content
    assert zone == "Tu zona horaria es **America/Chicago**. Allí es miércoles 18:00."
    trained = reply_of(await mentor.slash(world.general, "training list")).embeds[0]
    assert trained.title == "Formación de mentores"
    assert trained.description.startswith("Confirmados: **120** de ")
    fields = [f"{field.name} {field.value}" for field in trained.fields]
    assert fields[0].startswith("Being a good listener (120 min): confirmado por el personal")
    for text in (zone, trained.description, *fields):
        assert english_in(text) == [], text


async def test_staff_read_the_report_in_spanish(world: World) -> None:
    await matched(world)
    speaks(world, world.staff, "es-419")
    reply = reply_of(await world.staff.slash(world.general, "staff report", period="month"))
    (embed,) = reply.embeds
    assert embed.title == "Informe del programa"
    fields = {field.name: field.value for field in embed.fields}
    assert "Mentorías activas al final del período: 1" in fields["Cifras"]
    assert fields["Parejas sin sesiones en 14 días"] == "Ninguno."
    assert {file.filename for file in reply.attachments} >= {"sessions_per_week.png"}
    for text in (embed.description or "", *fields, *fields.values()):
        assert english_in(text) == [], text


async def test_staff_read_match_reasons_and_blockers_in_spanish(world: World) -> None:
    """/staff match suggest gives its reasons in Spanish, and /staff match create refuses an
    untrained classmate of the same grade in Spanish, naming the Spanish option."""
    await run_setup(world)
    mentor, classmate = add_student(world, "sam_mentor"), add_student(world, "classmate")
    await join(world, world.student, "mentee", MENTEE)
    await join(world, mentor, "mentor", MENTOR)
    await join(world, classmate, "mentor", {**MENTOR, "profile:grade": "8"})
    await train(world, mentor)
    speaks(world, world.staff, "es-419")
    suggested = reply_of(
        await world.staff.slash(world.general, "staff match suggest", mentee=world.student)
    )
    (embed,) = suggested.embeds
    (field,) = embed.fields
    assert mentor.mention in field.value and "lugares ocupados" in field.value, field.value
    refused = reply_of(
        await world.staff.slash(
            world.general, "staff match create", mentor=classmate, mentee=world.student
        )
    ).content
    assert refused.startswith(
        "Este emparejamiento no cumple las reglas del programa:\n"
        "- el mentor/a no ha terminado la formación\n"
        "- grado 8 con grado 8: el mentor/a debe estar al menos 2 grados más arriba\n"
    ), refused
    assert "`motivo_excepcion`" in refused
    for text in (embed.title or "", field.name, field.value, refused):
        assert english_in(text) == [], text


async def test_a_spanish_server_posts_its_invitations_and_staff_notices_in_spanish(
    world: World,
) -> None:
    await run_setup(world, language="es")
    await world.staff.slash(world.general, "staff recruit post", channel=world.general)
    card = world.general.last_message
    assert card is not None
    assert labels(card) == ["Quiero ser mentor/a", "Quiero un mentor/a"]
    shown = " ".join(
        [card.embeds[0].title or "", card.embeds[0].description or ""]
        + [f"{field.name} {field.value}" for field in card.embeds[0].fields]
    )
    assert english_in(shown) == [], shown
    async with world.bot.sessions() as session:
        program = await session.get(GuildSettings, world.guild.id)
    assert program is not None and program.language == "es"


async def test_a_spanish_server_reads_its_staff_posts_in_spanish(world: World) -> None:
    """/setup language: the channel's check message, the staff post, its embed and buttons,
    the edit after a claim and the re-ping are Spanish; a staff member with a Spanish
    Discord reads the list and the timeline in Spanish, one with an English Discord reads
    their replies in English."""
    mentee, _ = await matched(world)
    speaks(world, world.admin, "es-419")
    (summary,) = reply_of(await run_setup(world, language="es")).embeds
    assert summary.title == "Bridges está configurado"
    fields = {field.name: field.value for field in summary.fields}
    assert fields["Seguimiento semanal"].startswith("Cada lunes a las 15:30")
    shown = await mentee.slash(world.general, "help-me")
    await mentee.submit_modal(
        shown,
        {"help:details": "Me siguen esperando a la salida.", "help:urgency": ["right_now"]}
        | {"help:category": ["bullying"]},
    )
    checked, post = posts(world)[-2:]
    assert checked.content.startswith("Este canal recibirá las alertas de Bridges para <@&")
    # Being waited for after school is bullying the detector names (in Spanish).
    assert post.content == (
        f"<@&{world.staff_role.id}> Nueva alerta #1 (Ahora mismo). Acoso o bullying."
    )
    (embed,) = post.embeds
    assert embed.title == "Alerta #1: Ahora mismo"
    shown_fields = {field.name: field.value for field in embed.fields}
    assert shown_fields["Estado"] == "Abierta, nadie la ha asumido todavía"
    assert shown_fields["Contexto reciente"].startswith("Sesiones: 0 realizadas, 0 ausencias")
    assert embed.footer.text == "Historial: /personal alerta ver 1"
    assert labels(post) == ["Asumir", "Agregar nota", "Resolver", "Reasignar"]
    await world.env.advance_time(10 * 60 + 30)
    reping = posts(world)[-1]
    assert reping.content.startswith(
        f"<@&{world.staff_role.id}> Recordatorio: nadie ha asumido todavía la alerta #1"
    )
    read = [checked.content, post.content, *embed_texts(post), embed.footer.text or ""]
    read += [summary.description or "", *fields, *fields.values()]
    read.append(reping.content)

    claimed = await world.staff.click(post, label="Asumir")
    assert claimed.response.content.startswith("You claimed escalation #1.")  # en-US client
    edited = posts(world)[1]
    status = next(field.value for field in edited.embeds[0].fields if field.name == "Estado")
    assert status == f"Asumida por <@{world.staff.id}>"
    assert labels(edited) == ["Agregar nota", "Resolver", "Reasignar"]

    speaks(world, world.staff, "es-419")
    listed = reply_of(await world.staff.slash(world.general, "staff escalations")).content
    assert listed.startswith(f"`#1` Ahora mismo · <@{mentee.id}> · ")
    assert "Alguien pidió ayuda" in listed or "pidió ayuda con /pedir-ayuda" in listed
    timeline = reply_of(await world.staff.slash(world.general, "staff escalation view", id=1))
    steps = timeline.embeds[0].fields[-1].value
    assert "abierta" in steps and "publicada" in steps and "asumida" in steps
    holiday = await world.staff.slash(
        world.general, "staff holiday add", day="2026-12-24", label="Vacaciones"
    )
    added = reply_of(holiday).content
    assert added == "El jueves, 24 de diciembre de 2026 ahora es feriado (Vacaciones)."
    status = reply_of(await world.staff.slash(world.general, "staff status"))
    assert status.embeds[0].title == "Envíos"
    read += [listed, *embed_texts(timeline), added, *embed_texts(status)]
    for text in read:
        assert english_in(text) == [], text
