"""The narrated week: a list of steps, each one people using the real bot.

`bridges demo --script` runs them and prints the transcript; `bridges demo` runs them to give
the visitor a school with its history (goals, two weeks of check-ins, a claimed escalation).
Each step acts only through ``School``.

The escalation is the low-mood rule (``low_mood_twice``: mood 2 or lower in two check-ins in a
row), so the narration runs to the second Monday: Deshawn's first low week reaches only his
mentor's digest, the second one reaches staff. On that Monday the other mentees answer too
(off the record), so none of them has two missed in a row when the visitor moves the clock on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from simcord.actors import MemberActor

from bot.demo.school import MENTEES, MENTORS, PROGRAM_ZONE, School
from bot.i18n import Plural, Slash, Text
from cogs.checkin_texts import PROGRESS, rating

ZONE = ZoneInfo(PROGRAM_ZONE)
#: The pairs staff match on the first day; the other mentees wait for the visitor to match them.
PAIRS = (("sam", "jordan"), ("priya", "maya"), ("leo", "deshawn"))
Words = tuple[tuple[str, int, str, dict[str, object]], ...]


@dataclass(frozen=True)
class Said:
    """What the people of the story type, in the language their Discord is in."""

    training_title: str
    reflection: str
    #: (mentee, mentor, when, topic, where, details) of the first sessions.
    plans: tuple[tuple[str, str, str, str, str, str | None], ...]
    covered: str
    goals: dict[str, dict[str, object]]
    #: Who answers each Monday's check-in on the record: mood 1-5, progress on their goal
    #: 1-5, their words. Deshawn's mood is low both weeks; he never asks for an adult.
    checkins: Words
    second_checkins: Words
    help_details: str
    #: (mentee, mentor, when) of this week's sessions, planned for the visitor.
    upcoming: tuple[tuple[str, str, str], ...]
    catch_up: str


SAID = {
    "en": Said(
        training_title="Being a good listener",
        reflection="Listen first, then ask.",
        plans=(
            (
                "jordan",
                "sam",
                "saturday 10am",
                "algebra",
                "video",
                "https://meet.example.org/jordan-sam",
            ),
            ("maya", "priya", "friday 4pm", "physics lab report", "voice", None),
            ("deshawn", "leo", "friday 5pm", "settling in", "voice", None),
        ),
        covered="homework plan, questions for class",
        goals={
            "jordan": {
                "goal:what": "Hand in every math homework",
                "goal:why": "I want to pass algebra this year",
                "goal:measure": "No missing homework on my report",
                "goal:by": "2026-03-01",
                "goal:focus": ["academics"],
            },
            "deshawn": {
                "goal:what": "Make one friend on the team",
                "goal:why": "I'm new and lunch is lonely",
                "goal:measure": "Someone to sit with at lunch",
                "goal:by": "2026-02-15",
                "goal:focus": ["social-emotional"],
            },
        },
        checkins=(
            ("jordan", 4, "3", {"checkin:well": "Got a B on the quiz", "checkin:hard": ""}),
            ("deshawn", 2, "1", {"checkin:hard": "Nobody talks to me at lunch"}),
        ),
        second_checkins=(("deshawn", 2, "1", {"checkin:hard": "Still eating lunch alone"}),),
        help_details="I don't understand the physics lab report and it's due Friday.",
        upcoming=(("jordan", "sam", "saturday 10am"), ("maya", "priya", "tuesday 5pm")),
        catch_up="catch-up",
    ),
    "es": Said(
        training_title="Saber escuchar",
        reflection="Primero escuchar, después preguntar.",
        plans=(
            (
                "jordan",
                "sam",
                "el sábado a las 10 de la mañana",
                "álgebra",
                "video",
                "https://meet.example.org/jordan-sam",
            ),
            (
                "maya",
                "priya",
                "el viernes a las 4 de la tarde",
                "informe de laboratorio de física",
                "voice",
                None,
            ),
            ("deshawn", "leo", "el viernes a las 5 de la tarde", "adaptarse", "voice", None),
        ),
        covered="plan de tareas, preguntas para la clase",
        goals={
            "jordan": {
                "goal:what": "Entregar todas las tareas de matemáticas",
                "goal:why": "Quiero aprobar álgebra este año",
                "goal:measure": "Ninguna tarea pendiente en mi informe",
                "goal:by": "2026-03-01",
                "goal:focus": ["academics"],
            },
            "deshawn": {
                "goal:what": "Hacer un amigo en el equipo",
                "goal:why": "Soy nuevo y el almuerzo es solitario",
                "goal:measure": "Alguien con quien sentarme a almorzar",
                "goal:by": "2026-02-15",
                "goal:focus": ["social-emotional"],
            },
        },
        checkins=(
            ("jordan", 4, "3", {"checkin:well": "Saqué un 8 en la prueba", "checkin:hard": ""}),
            ("deshawn", 2, "1", {"checkin:hard": "Nadie me habla en el almuerzo"}),
        ),
        second_checkins=(("deshawn", 2, "1", {"checkin:hard": "Sigo almorzando solo"}),),
        help_details="No entiendo el informe de laboratorio de física y es para el viernes.",
        upcoming=(
            ("jordan", "sam", "el sábado a las 10 de la mañana"),
            ("maya", "priya", "el martes a las 5 de la tarde"),
        ),
        catch_up="ponerse al día",
    ),
}
#: The mentees who answer the second Monday's check-in off the record.
QUIET = ("jordan", "maya", "kim", "luis", "ava", "noah", "zoe")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in January 2026 in the program's zone (simcord's clock starts on Jan 1 UTC)."""
    return datetime(2026, 1, day, hour, minute, tzinfo=ZONE)


@dataclass(frozen=True)
class Step:
    title: Text
    run: Callable[[School], Awaitable[None]]


def said(school: School) -> Said:
    return SAID.get(school.language, SAID["en"])


async def set_up(school: School) -> None:
    language = {} if school.language == "en" else {"language": school.language}
    await school.slash(
        school.staff,
        "setup",
        staff_role=school.staff_role,
        escalation_channel=school.staff_alerts,
        mentoring_category=school.mentoring,
        time_zone=PROGRAM_ZONE,
        **language,
    )
    await school.slash(
        school.staff,
        "staff training add",
        title=said(school).training_title,
        content="https://example.org/listening",
        minutes=120,
    )


async def mentors_join(school: School) -> None:
    service = school.bot.cogs["TrainingCog"].service  # type: ignore[attr-defined]
    (module,) = await service.modules(school.guild.id)
    for index, student in enumerate(MENTORS):
        school.muted = index > 0
        actor = school.mentors[student.name]
        await _join(school, actor, "mentor", student.form(school.language))
        await school.slash(
            actor, "training done", module=module.id, reflection=said(school).reflection
        )
        await school.slash(school.staff, "staff training confirm", mentor=actor, module=module.id)
    school.muted = False
    school.tell(
        Plural(
            "  (… {count} more mentor joins and is trained the same way)",
            "  (… {count} more mentors join and are trained the same way)",
            len(MENTORS) - 1,
        )
    )


async def mentees_join(school: School) -> None:
    for index, student in enumerate(MENTEES):
        school.muted = index > 0
        await _join(school, school.mentees[student.name], "mentee", student.form(school.language))
    school.muted = False
    school.tell(
        Plural(
            "  (… {count} more mentee joins the same way)",
            "  (… {count} more mentees join the same way)",
            len(MENTEES) - 1,
        )
    )


async def _join(school: School, actor: MemberActor, role: str, form: dict[str, object]) -> None:
    shown = await school.slash(actor, "join", role=role)
    notice = await school.submit(actor, shown, form)
    await school.click(actor, notice.response, school.word("Accept"))


async def match(school: School) -> None:
    await school.slash(school.staff, "staff match suggest", mentee=school.mentees["jordan"])
    for mentor, mentee in PAIRS:
        await school.slash(
            school.staff,
            "staff match create",
            mentor=school.mentors[mentor],
            mentee=school.mentees[mentee],
        )


async def schedule(school: School) -> None:
    for mentee, mentor, when, topic, where, details in said(school).plans:
        options: dict[str, object] = {"when": when, "topic": topic, "where": where}
        if details is not None:
            options["details"] = details
        await school.slash(school.mentees[mentee], "session schedule", **options)
        invitee = school.mentors[mentor]
        await school.click(invitee, school.last_dm(invitee, "Accept"), school.word("Accept"))


async def remind_and_ask(school: School) -> None:
    await school.advance_to(local(2, 18))
    answers = (("priya", "Yes"), ("maya", "Yes"), ("leo", "Yes"), ("deshawn", "No-show"))
    for name, label in answers:
        await _answer(school, name, label)


async def the_weekend(school: School) -> None:
    await school.advance_to(local(3, 11))
    for name in ("jordan", "sam"):
        await _answer(school, name, "Yes")


async def _answer(school: School, name: str, label: str) -> None:
    actor = school.member(name)
    result = await school.click(actor, school.last_dm(actor, "Yes"), school.word(label))
    if result.modal is not None:
        await school.submit(
            actor, result, {"attend:covered": said(school).covered, "attend:note": ""}, in_dm=True
        )


async def goals(school: School) -> None:
    for name, goal in said(school).goals.items():
        actor = school.mentees[name]
        shown = await school.slash(actor, "goal add")
        await school.submit(actor, shown, goal)


async def checkin_day(school: School) -> None:
    await school.advance_to(local(5, 15, 30), only=("jordan", "deshawn", "sam"))


async def checkins_answered(school: School) -> None:
    for name, mood, progress, words in said(school).checkins:
        await _check_in(school, name, mood, progress, words)


async def second_monday(school: School) -> None:
    await school.advance_to(local(12, 15, 30), only=("deshawn", "leo"))
    for name, mood, progress, words in said(school).second_checkins:
        await _check_in(school, name, mood, progress, words)
    school.report_post(school.staff_alerts)
    school.muted = True
    for name in QUIET:
        await _check_in(school, name, 3, "3", {"checkin:well": "", "checkin:hard": ""})
    school.muted = False
    school.tell(
        Plural(
            "  (… the {count} other mentee answers this week's check-in too)",
            "  (… the {count} other mentees answer this week's check-in too)",
            len(QUIET),
        )
    )


async def staff_claim(school: School) -> None:
    claim = school.word("Claim")
    post = next(
        message
        for message in reversed(school.staff_alerts.history())
        if any(
            getattr(child, "label", None) == claim
            for row in message.components
            for child in getattr(row, "children", ())
        )
    )
    await school.click(school.staff, post, claim)
    school.report_post(school.staff_alerts)


async def help_me(school: School) -> None:
    maya = school.mentees["maya"]
    shown = await school.slash(maya, "help-me")
    await school.submit(
        maya,
        shown,
        {
            "help:details": said(school).help_details,
            "help:urgency": ["can_wait"],
            "help:category": ["academic"],
        },
    )
    school.report_post(school.staff_alerts)


async def _check_in(
    school: School, name: str, mood: int, progress: str, words: dict[str, object]
) -> None:
    actor = school.mentees[name]
    step = await school.click(actor, school.last_dm(actor, "Start"), school.word("Start"))
    if step.modal is None:
        (goal_id,) = (
            item["custom_id"]
            for row in step.response.components
            for item in row.get("components", [])
            if item.get("custom_id", "").startswith("checkin-progress:")
        )
        label = rating(int(progress), PROGRESS).render(school.language)
        await school.select(actor, step, goal_id, progress, label)
        step = await school.click(actor, step.response, school.word("Next"))
    values = {"checkin:mood": [str(mood)], "checkin:reach": ["no"], **words}
    await school.submit(actor, step, values, in_dm=True)


async def midweek(school: School) -> None:
    await school.advance_to(local(7, 17), only=("maya",))
    await school.slash(school.mentees["jordan"], "session list")
    await school.slash(school.staff, "staff roster")


WEEK: Sequence[Step] = (
    Step(Text("Wednesday evening: the school sets Bridges up and adds mentor training"), set_up),
    Step(
        Text("Mentors join (privacy notice first) and staff confirm their training"), mentors_join
    ),
    Step(Text("Mentees join"), mentees_join),
    Step(Text("Staff look at suggestions and match three pairs"), match),
    Step(Text("Mentees propose their first sessions; mentors accept"), schedule),
    Step(Text("Jordan and Deshawn set their first goals"), goals),
    Step(Text("Thursday and Friday: reminders, then “Did it happen?”"), remind_and_ask),
    Step(Text("Saturday: Jordan and Sam's video session"), the_weekend),
    Step(
        Text("Monday 3:30 PM in each mentee's own zone: the weekly check-in arrives"), checkin_day
    ),
    Step(
        Text(
            "Jordan had a good week; Deshawn's was not great: his mentor gets the digest "
            "(one low week alone does not alert staff)"
        ),
        checkins_answered,
    ),
    Step(
        Text("Wednesday: Maya's check-in is still waiting; Jordan's sessions; the roster"), midweek
    ),
    Step(
        Text(
            "The next Monday: Deshawn's mood is low again, two check-ins in a row: "
            "staff get an escalation"
        ),
        second_monday,
    ),
    Step(Text("ms_rivera claims the escalation; Deshawn is told"), staff_claim),
    Step(Text("Maya asks staff for help with {command}", command=Slash("help-me")), help_me),
)


async def upcoming(school: School) -> None:
    """For the visitor: this week's sessions, so advancing the clock shows reminders firing."""
    for mentee, mentor, when in said(school).upcoming:
        topic = said(school).catch_up
        await school.slash(school.mentees[mentee], "session schedule", when=when, topic=topic)
        invitee = school.mentors[mentor]
        await school.click(invitee, school.last_dm(invitee, "Accept"), school.word("Accept"))


async def run_steps(school: School, steps: Sequence[Step]) -> None:
    for number, step in enumerate(steps, start=1):
        school.say("")
        school.say(f"== {number}. {step.title.render(school.language)}")
        school.say(f"   ({school.readable(f'<t:{int(school.env.now().timestamp())}:F>')})")
        await step.run(school)
