"""/help and the report embed stay inside Discord's limits however long the lists get."""

from __future__ import annotations

from bot.i18n import Text
from bot.services.reports import Table
from cogs.help import FIELD_LIMIT, _fields
from cogs.report_texts import _fit, survey_statements


def test_long_sections_are_split_into_fields_under_the_limit() -> None:
    lines = [f"`/staff command{n}` " + "does something useful " * 4 for n in range(60)]
    fields = _fields(Text("For staff"), lines, "en")
    assert len(fields) > 1
    assert [name for name, _ in fields[:2]] == ["For staff", "For staff (continued)"]
    assert all(len(value) <= FIELD_LIMIT for _, value in fields)
    assert "\n".join(value for _, value in fields).splitlines() == lines


def test_a_short_section_is_one_field() -> None:
    assert _fields(Text("For everyone"), ["`/help` List"], "en") == [
        ("For everyone", "`/help` List")
    ]
    assert _fields(Text("For staff"), ["a" * 800, "b" * 300], "es") == [
        ("Para el personal", "a" * 800),
        ("Para el personal (continuación)", "b" * 300),
    ]


def test_report_fields_fit_discord_and_point_to_the_csv() -> None:
    lines = [f"objective number {n} is not met yet ({n}%)" for n in range(60)]
    value = _fit(lines, "objectives.csv")
    assert len(value) <= 1024 and value.endswith("more in objectives.csv")
    assert _fit(["one", "two"], "x.csv") == "one\ntwo"


def test_survey_statements_read_as_agreement_at_both_surveys() -> None:
    table = Table(
        "survey_statements",
        ("statement", "midpoint_mean", "midpoint_answers", "closure_mean", "closure_answers"),
        (("Our meetings help me", 3.67, 3, 3.0, 3), ("I would recommend it", "", 0, 4.0, 1)),
    )
    assert survey_statements(table).splitlines() == [
        "Our meetings help me: mid-point 3.67 (3 answered); closure 3.0 (3 answered)",
        "I would recommend it: mid-point: none yet; closure 4.0 (1 answered)",
    ]
    assert survey_statements(Table("survey_statements", table.columns, ())) == (
        "No survey answered in this period."
    )
