"""bot.services.availability: weekly free times typed by a student -> merged windows.

Every expected window below was written by hand from the rules in the module docstring.
"""

from __future__ import annotations

import itertools
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.services.availability import (
    MAX_LENGTH,
    MAX_WINDOWS,
    Window,
    format_windows,
    parse_availability,
    windows_from_json,
    windows_to_json,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
EXAMPLE = '"Mon-Thu 3:30-5pm, Sat 10-12"'


def w(day: int, start: str, end: str) -> Window:
    return Window(day, time.fromisoformat(start), time.fromisoformat(end))


def every(days: range | tuple[int, ...], start: str, end: str) -> tuple[Window, ...]:
    return tuple(w(day, start, end) for day in days)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mon-Thu 3:30-5pm, Sat 10-12",
            (*every(range(MON, FRI), "15:30", "17:00"), w(SAT, "10:00", "12:00")),
        ),
        ("weekdays 4-6pm", every(range(MON, SAT), "16:00", "18:00")),
        (
            "Tue/Thu 15:00-16:30; Sunday 1pm-3pm",
            (w(TUE, "15:00", "16:30"), w(THU, "15:00", "16:30"), w(SUN, "13:00", "15:00")),
        ),
        ("mon 9am-11am, mon 2-4pm", (w(MON, "09:00", "11:00"), w(MON, "14:00", "16:00"))),
        ("Fri-Mon 5-7", every((MON, FRI, SAT, SUN), "17:00", "19:00")),  # wraps; 7 follows 5pm
        ("Tue & Thu 10-12pm", every((TUE, THU), "10:00", "12:00")),  # 10pm would end first
        ("Tue and Thu 11-1", every((TUE, THU), "11:00", "13:00")),
        ("weekends 9am to 11am", every((SAT, SUN), "09:00", "11:00")),
        ("every day 7-8", every(range(7), "07:00", "08:00")),  # bare 7-11 are morning
        ("daily 7-8pm", every(range(7), "19:00", "20:00")),
        ("4-6pm on weekdays", every(range(MON, SAT), "16:00", "18:00")),
        ("Sat noon\u20132pm", (w(SAT, "12:00", "14:00"),)),  # en dash
        ("Fri 9pm-midnight", (w(FRI, "21:00", "23:59"),)),
        ("Fri 10pm-12am", (w(FRI, "22:00", "23:59"),)),
        ("Fri 9-midnight", (w(FRI, "21:00", "23:59"),)),
        ("Sun 20:00-24:00", (w(SUN, "20:00", "23:59"),)),
        ("MONDAY 3:30 P.M. - 5 P.M.", (w(MON, "15:30", "17:00"),)),
        ("Mondays 3-5", (w(MON, "15:00", "17:00"),)),  # bare 1-6 are afternoon
        ("mon 09:00-11:00", (w(MON, "09:00", "11:00"),)),  # leading zero: 24-hour clock
        ("Sun 00:00-01:30", (w(SUN, "00:00", "01:30"),)),
        ("Wed 8-10", (w(WED, "08:00", "10:00"),)),
        ("Wed 11am-1", (w(WED, "11:00", "13:00"),)),
        ("Wed 3pm-5", (w(WED, "15:00", "17:00"),)),
        ("Wed 3:30-4:45pm", (w(WED, "15:30", "16:45"),)),
        ("Wed 3.30-4.45 pm", (w(WED, "15:30", "16:45"),)),
        ("tues 3-5, weds 3-5, thurs 3-5", every((TUE, WED, THU), "15:00", "17:00")),
        ("Mon - Wed/Fri 3-5p", every((MON, TUE, WED, FRI), "15:00", "17:00")),
        ("sat at 10-12", (w(SAT, "10:00", "12:00"),)),
        ("Mon: from 3 to 5", (w(MON, "15:00", "17:00"),)),
        ("every monday 3-5", (w(MON, "15:00", "17:00"),)),
        ("Mon 3-5pm, ", (w(MON, "15:00", "17:00"),)),  # an empty part is skipped
        ("sat 10-12, mon 3-5", (w(MON, "15:00", "17:00"), w(SAT, "10:00", "12:00"))),  # sorted
        ("mon 9-10, mon 10-11, mon 10:30-12", (w(MON, "09:00", "12:00"),)),  # merged
        (
            "weekdays 3-5pm, wed 4-6pm",
            (
                *every((MON, TUE), "15:00", "17:00"),
                w(WED, "15:00", "18:00"),
                *every((THU, FRI), "15:00", "17:00"),
            ),
        ),
    ],
)
def test_parses(text: str, expected: tuple[Window, ...]) -> None:
    assert parse_availability(text) == expected


def test_every_bad_part_is_named_with_an_example() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_availability("Mon 3-5pmm, Tue 5-3pm, xyz; Fri 3-5pm, funday 1-2, Sat 7-6am")
    message = caught.value.message
    for part in ("Mon 3-5pmm", "Tue 5-3pm", "xyz", "funday 1-2", "Sat 7-6am"):
        assert f'"{part}"' in message
    assert '"Fri 3-5pm"' not in message
    assert EXAMPLE in message


@pytest.mark.parametrize(
    "part",
    [
        "5-3pm",  # no day
        "Mon 5-3pm",  # ends first
        "Mon 10pm-1am",  # crosses midnight
        "Mon",
        "3-5",
        "mon-fri",
        "mon 25-26",
        "mon 3:75-4",
        "mon 13pm-2pm",
        "mon 3-5 banana",
        "someday 3-5",
        "mon-blursday 3-5",
        "mon/ 3-5",
    ],
)
def test_a_bad_part_is_named(part: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_availability(f"Sat 10-12, {part}")
    assert f'"{part}"' in caught.value.message
    assert EXAMPLE in caught.value.message


@pytest.mark.parametrize("text", ["", "   ", ", ;", "\n"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="free"):
        parse_availability(text)


def test_text_over_the_length_limit_is_refused() -> None:
    text = ", ".join(["Mon 3-5pm"] * 40)
    assert len(text) > MAX_LENGTH
    with pytest.raises(InvalidInput, match=str(MAX_LENGTH)):
        parse_availability(text)


def test_at_most_21_windows_after_merging() -> None:
    assert len(parse_availability("every day 7-8am, every day 9-10am, daily 1-2pm")) == 21
    with pytest.raises(InvalidInput, match=str(MAX_WINDOWS)):
        parse_availability("every day 7-8am, every day 9-10am, daily 1-2pm, daily 4-5pm")
    merged = parse_availability("every day 7-8am, every day 8-9am, daily 1-2pm, daily 1-3pm")
    assert len(merged) == 14


def test_format_groups_days_with_the_same_times() -> None:
    windows = parse_availability("Mon-Thu 3:30-5pm, Sat 10-12")
    assert format_windows(windows) == "Mon–Thu 15:30–17:00, Sat 10:00–12:00"
    assert (
        format_windows(parse_availability("Tue/Thu 3-5, mon 9am-11am, tue 9am-11am, fri 3-5"))
        == "Mon/Tue 09:00–11:00, Tue/Thu/Fri 15:00–17:00"
    )
    assert (
        format_windows(parse_availability("Mon-Wed 3-5, Fri 3-5, Sun 9pm-midnight"))
        == "Mon–Wed/Fri 15:00–17:00, Sun 21:00–23:59"
    )
    assert format_windows(()) == ""


def test_json_for_storage() -> None:
    windows = parse_availability("Mon 3:30-5pm, Sat 10-12")
    assert windows_to_json(windows) == [[0, "15:30", "17:00"], [5, "10:00", "12:00"]]
    assert windows_from_json([[0, "15:30", "17:00"], [5, "10:00", "12:00"]]) == windows


@pytest.mark.parametrize(
    "data",
    [[[0, "15:30"]], [[7, "10:00", "11:00"]], [[True, "10:00", "11:00"]],
     [["0", "10:00", "11:00"]], [[0, "11:00", "10:00"]], [[0, "10:00", "24:00"]],
     [[0, 1000, "11:00"]], [[0, "9:00", "11:00"]]],
)  # fmt: skip
def test_bad_stored_json_raises_value_error(data: list[list[str | int]]) -> None:
    with pytest.raises(ValueError, match=r"not|before"):
        windows_from_json(data)


# Properties ------------------------------------------------------------------------------

FRAGMENTS = [
    "mon", "Tue", "wednesday", "thurs", "weekdays", "weekends", "every day", "daily", "funday",
    "-", "–", " to ", "/", "&", " and ", ",", ";", " ", ":", ".", "am", "pm", "p.m.", "a",
    "noon", "midnight", "on", "at", "from", "0", "3", "5", "9", "10", "12", "13", "24", "30",
    "99", ":30", "\n",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=320), st.lists(st.sampled_from(FRAGMENTS)).map("".join)))
def test_any_text_gives_windows_or_invalid_input(text: str) -> None:
    try:
        windows = parse_availability(text)
    except InvalidInput as problem:
        assert problem.message
        return
    assert windows == tuple(sorted(windows))
    assert 0 < len(windows) <= MAX_WINDOWS
    assert all(window.start < window.end for window in windows)
    for first, second in itertools.pairwise(windows):
        assert first.weekday < second.weekday or first.end < second.start  # merged


@st.composite
def merged_windows(draw: st.DrawFn) -> tuple[Window, ...]:
    """Sorted windows that neither overlap nor touch; an end at midnight is 23:59."""
    windows: list[Window] = []
    for day in range(7):
        points = draw(st.lists(st.integers(0, 1438), max_size=6, unique=True))
        points = sorted(points)
        if len(points) % 2 and draw(st.booleans()):
            points.append(1440)
        for start, end in zip(points[::2], points[1::2], strict=False):
            windows.append(Window(day, _clock(start), _clock(end)))
    return tuple(windows[:MAX_WINDOWS])


def _clock(minutes: int) -> time:
    return time(23, 59) if minutes == 1440 else time(minutes // 60, minutes % 60)


@settings(max_examples=200, deadline=None)
@given(merged_windows())
def test_json_round_trip(windows: tuple[Window, ...]) -> None:
    assert windows_from_json(windows_to_json(windows)) == windows


@settings(max_examples=200, deadline=None)
@given(merged_windows().filter(bool))
def test_formatted_windows_read_back_the_same(windows: tuple[Window, ...]) -> None:
    text = format_windows(windows)
    assert len(text) <= MAX_LENGTH  # what the profile form prefills must fit in it
    assert parse_availability(text) == windows


# Spanish ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lunes 15:30-17:00", (w(MON, "15:30", "17:00"),)),
        ("mar/jue 3-5", every((TUE, THU), "15:00", "17:00")),  # "mar" is martes here
        ("sábado 10-12", (w(SAT, "10:00", "12:00"),)),
        ("sabado 10 a 12", (w(SAT, "10:00", "12:00"),)),
        ("SÁBADO 10-12", (w(SAT, "10:00", "12:00"),)),
        ("de lunes a jueves de 3 a 5", every(range(MON, FRI), "15:00", "17:00")),
        ("lun a jue 3-5", every(range(MON, FRI), "15:00", "17:00")),
        ("lun-jue 3:30-5 de la tarde", every(range(MON, FRI), "15:30", "17:00")),
        ("martes y jueves de 3 a 5 de la tarde", every((TUE, THU), "15:00", "17:00")),
        ("mié 15:00-16:30", (w(WED, "15:00", "16:30"),)),
        ("miercoles desde las 15:00 hasta las 16:30", (w(WED, "15:00", "16:30"),)),
        ("viernes entre 3 y 5", (w(FRI, "15:00", "17:00"),)),
        ("lunes de 10 a 12 de la mañana", (w(MON, "10:00", "12:00"),)),
        ("lunes de 9 a 11 de la mañana", (w(MON, "09:00", "11:00"),)),
        ("viernes de 9 a 12 de la noche", (w(FRI, "21:00", "23:59"),)),
        ("vie 9pm-medianoche", (w(FRI, "21:00", "23:59"),)),
        ("domingo de mediodía a 2", (w(SUN, "12:00", "14:00"),)),
        ("lunes 15h-17h", (w(MON, "15:00", "17:00"),)),
        ("los sábados de 10 a 12", (w(SAT, "10:00", "12:00"),)),
        ("cada lunes 3-5", (w(MON, "15:00", "17:00"),)),
        ("lunes: 3-5", (w(MON, "15:00", "17:00"),)),
        ("fines de semana 10-12", every((SAT, SUN), "10:00", "12:00")),
        ("fin de semana 10-12", every((SAT, SUN), "10:00", "12:00")),
        ("entre semana 4-6", every(range(MON, SAT), "16:00", "18:00")),
        ("días de semana 4-6", every(range(MON, SAT), "16:00", "18:00")),
        ("todos los días 7-8", every(range(7), "07:00", "08:00")),
        ("a diario 7-8", every(range(7), "07:00", "08:00")),
        ("lun–jue 15:30–17:00, sáb 10:00–12:00", (
            *every(range(MON, FRI), "15:30", "17:00"), w(SAT, "10:00", "12:00"),
        )),
        ("Mon 3-5pm, martes 3-5", (w(MON, "15:00", "17:00"), w(TUE, "15:00", "17:00"))),
    ],
)  # fmt: skip
def test_parses_spanish(text: str, expected: tuple[Window, ...]) -> None:
    assert parse_availability(text) == expected


def test_spanish_errors_name_the_parts_with_a_spanish_example() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_availability("lunes 3-5, funday 1-2, jueves 5 a 3, martes 6 a 4")
    spanish = caught.value.message.render("es")
    assert spanish == (
        'No entendí "funday 1-2". "jueves 5 a 3" y "martes 6 a 4" terminan antes de empezar. '
        "En cada parte, escribe primero los días y después las horas, por ejemplo "
        '"lun-jue 3:30-5 de la tarde, sáb 10-12".'
    )
    assert '"funday 1-2"' in caught.value.message and EXAMPLE in caught.value.message


def test_one_backwards_part_is_singular() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_availability("jueves 5 a 3")
    assert '"jueves 5 a 3" ends before it starts.' in caught.value.message
    assert '"jueves 5 a 3" termina antes de empezar.' in caught.value.message.render("es")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_example_we_offer_is_understood(language: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_availability("")
    example = caught.value.message.render(language).split('"')[1]
    assert parse_availability(example) == (
        *every(range(MON, FRI), "15:30", "17:00"),
        w(SAT, "10:00", "12:00"),
    )


def test_format_in_spanish() -> None:
    windows = parse_availability("Mon-Thu 3:30-5pm, Sat 10-12, Tue 9-10")
    assert format_windows(windows, "es") == (
        "lun–jue 15:30–17:00, mar 09:00–10:00, sáb 10:00–12:00"
    )
    assert format_windows(windows) == "Mon–Thu 15:30–17:00, Tue 09:00–10:00, Sat 10:00–12:00"


@settings(max_examples=200, deadline=None)
@given(merged_windows().filter(bool))
def test_spanish_formatted_windows_read_back_the_same(windows: tuple[Window, ...]) -> None:
    text = format_windows(windows, "es")
    assert len(text) <= MAX_LENGTH
    assert parse_availability(text) == windows


SPANISH_FRAGMENTS = [
    "lunes", "mar", "miércoles", "sáb", "domingos", "fines de semana", "entre semana",
    "todos los días", "de", "a", "y", "hasta", "desde", "las", "de la tarde", "de la mañana",
    "de la noche", "mediodía", "medianoche", "15h", " ", ",", "-", "3", "5", "10", "12",
    "15:30",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SPANISH_FRAGMENTS)).map(" ".join))
def test_any_spanish_gives_windows_or_invalid_input(text: str) -> None:
    try:
        windows = parse_availability(text)
    except InvalidInput as problem:
        assert problem.message.render("es")
        return
    assert 0 < len(windows) <= MAX_WINDOWS
    assert all(window.start < window.end for window in windows)
