"""/help stays inside Discord's embed limits however many commands there are."""

from __future__ import annotations

from cogs.help import FIELD_LIMIT, _fields


def test_long_sections_are_split_into_fields_under_the_limit() -> None:
    lines = [f"`/staff command{n}` " + "does something useful " * 4 for n in range(60)]
    fields = _fields("For staff", lines)
    assert len(fields) > 1
    assert [name for name, _ in fields[:2]] == ["For staff", "For staff (continued)"]
    assert all(len(value) <= FIELD_LIMIT for _, value in fields)
    assert "\n".join(value for _, value in fields).splitlines() == lines


def test_a_short_section_is_one_field() -> None:
    assert _fields("For everyone", ["`/help` List"]) == [("For everyone", "`/help` List")]
