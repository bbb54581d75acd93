"""bot.i18n: lazily translated messages, plurals, localized values and whose language.

The Spanish expected here are the catalog's (bot/locale/es/LC_MESSAGES/bridges.po); each
test names the entry it reads.
"""

from __future__ import annotations

import copy
import logging
import pickle
from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidInput, UserError
from bot.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    ChoiceName,
    Clock,
    Date,
    Duration,
    Joined,
    Listing,
    OptionName,
    Plural,
    Slash,
    Text,
    Weekday,
    fold_accents,
    language_of,
    lookup,
    placeholders,
    render,
)


def test_a_text_is_its_english_and_renders_in_spanish() -> None:
    text = Text("Cancelled the session on {when}.", when="<t:1:F>")
    assert isinstance(text, str)
    assert text == "Cancelled the session on <t:1:F>."
    assert text.render("en") == "Cancelled the session on <t:1:F>."
    assert text.render("es") == "Cancelaste la sesión del <t:1:F>."
    assert type(text.render("es")) is str
    assert f"{text}" == "Cancelled the session on <t:1:F>."


def test_a_user_error_carries_the_text_unchanged() -> None:
    error = InvalidInput(Text("Pick at least one focus area."))
    assert isinstance(error, UserError)
    assert error.message == "Pick at least one focus area."
    assert render(error.message, "es") == "Elige al menos un área de enfoque."
    assert str(error) == "Pick at least one focus area."


def test_render_leaves_plain_strings_alone() -> None:
    assert render("just text", "es") == "just text"


def test_nested_texts_and_values_render_in_the_same_language() -> None:
    examples = Text('Try "tomorrow 4pm", "next friday at 3:30" or "dec 3 10am".')
    text = Text("Sorry, I couldn't tell what time you meant. {examples}", examples=examples)
    assert text.endswith('or "dec 3 10am".')
    assert text.render("es") == (
        "Perdón, no entendí qué hora quisiste decir. Prueba con "
        '"mañana a las 4 de la tarde", "el próximo viernes a las 3:30" o '
        '"3 de diciembre a las 10".'
    )


@pytest.mark.parametrize(
    ("count", "english", "spanish"),
    [
        (1, "1 upcoming session.", "1 sesión programada."),
        (0, "0 upcoming sessions.", "0 sesiones programadas."),
        (2, "2 upcoming sessions.", "2 sesiones programadas."),
        (1_000_000, "1000000 upcoming sessions.", "1000000 sesiones programadas."),
    ],
)
def test_plurals_follow_each_languages_rules(count: int, english: str, spanish: str) -> None:
    text = Plural("{count} upcoming session.", "{count} upcoming sessions.", count)
    assert text == english
    assert text.render("es") == spanish


def test_a_plural_form_may_leave_out_the_number() -> None:
    # es "one": "y la siguiente", without {count}.
    text = Plural(
        "{invitee} accepted: {summary} and the {count} after it. See you there!",
        "{invitee} accepted: {summary} and the {count} after it. See you there!",
        1,
        invitee="<@1>",
        summary="Friday",
    )
    assert text == "<@1> accepted: Friday and the 1 after it. See you there!"
    assert text.render("es") == "<@1> aceptó: Friday y la siguiente. ¡Nos vemos!"


def test_an_untranslated_message_falls_back_to_english() -> None:
    text = Text("Not in any catalog, {name}.", name="Ana")
    assert text.render("es") == "Not in any catalog, Ana."


def test_an_unknown_language_is_english() -> None:
    assert Text("Pick at least one focus area.").render("xx") == "Pick at least one focus area."
    assert lookup("xx", "proposed") == "proposed"


def test_a_missing_parameter_in_english_is_a_bug() -> None:
    with pytest.raises(KeyError):
        Text("Hello {name}")


def test_a_translation_that_does_not_format_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    text = Text("Cancelled the session on {when}.", when="<t:1:F>")
    broken = {"es": "Cancelaste {cuando}."}
    monkeypatch.setattr(Text, "pattern", lambda self, language: broken.get(language, self.msgid))
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert text.render("es") == "Cancelled the session on <t:1:F>."
    assert "does not format" in caplog.text
    assert "<t:1:F>" not in caplog.text  # parameters (possibly a student's words) are not logged


def test_texts_survive_copy_and_pickle() -> None:
    text = Text("Cancelled the session on {when}.", when="<t:1:F>")
    plural = Plural("{count} upcoming session.", "{count} upcoming sessions.", 3)
    joined = Joined([text, plural], "\n", "- ")
    for original in (text, plural, joined):
        for clone in (copy.deepcopy(original), pickle.loads(pickle.dumps(original))):  # noqa: S301
            assert clone == original
            assert clone.render("es") == original.render("es")


def test_joined_renders_each_item_in_the_language() -> None:
    joined = Joined([Text("Pick at least one focus area."), "plain"], "\n", "- ")
    assert joined == "- Pick at least one focus area.\n- plain"
    assert joined.render("es") == "- Elige al menos un área de enfoque.\n- plain"


def test_localized_values() -> None:
    sunday = date(2026, 3, 8)
    assert Date(sunday).render("en") == "Sunday, March 8, 2026"
    assert Date(sunday).render("es") == "domingo, 8 de marzo de 2026"
    assert Date(sunday, "MMMd").render("en") == "Mar 8"
    assert Date(sunday, "MMMd").render("es") == "8 mar"
    assert Clock(time(14, 30)).render("en") == "2:30 PM"  # a plain space, not U+202F
    assert Clock(time(14, 30)).render("es") == "14:30"
    assert Weekday(0).render("es") == "lunes"
    assert Weekday(5, "abbreviated").render("en") == "Sat"
    assert Duration(timedelta(minutes=15)).render("en") == "15 minutes"
    assert Duration(timedelta(minutes=90)).render("es") == "1 hora 30 minutos"
    assert Duration(timedelta(days=60)).render("es") == "60 días"
    assert Duration(timedelta(0)).render("en") == "0 minutes"
    assert Listing(["a", "b", "c"], "or").render("en") == "a, b, or c"
    assert Listing(["a", "b", "c"]).render("es") == "a, b y c"


def test_command_option_and_choice_names_come_from_the_command_catalog() -> None:
    assert Slash("session schedule").render("en") == "/session schedule"
    assert Slash("session schedule").render("es") == "/sesion programar"
    assert Slash("timezone set").render("es") == "/zona-horaria cambiar"
    assert OptionName("with").render("es") == "con"
    assert ChoiceName("in-person").render("es") == "en persona"
    assert ChoiceName("in-person").render("en") == "in-person"


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("en-US", "en"),
        ("en-GB", "en"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("ES-419", "es"),
        ("es_MX", "es"),
        ("es", "es"),
        ("pt-BR", "en"),
        ("fr", "en"),
        ("zh-CN", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_language_of_a_discord_locale(locale: str | None, language: str) -> None:
    assert language_of(locale) == language


@given(st.text(max_size=20))
def test_language_of_anything_is_a_supported_language(locale: str) -> None:
    assert language_of(locale) in LANGUAGES


def test_the_default_language_is_english_and_first() -> None:
    assert DEFAULT_LANGUAGE == "en" == next(iter(LANGUAGES))


def test_placeholders() -> None:
    assert placeholders("{count} of {total}, {{literal}}") == {"count", "total"}
    assert placeholders("none") == frozenset()


def test_fold_accents() -> None:
    assert fold_accents("mañana miércoles SÁBADO") == "manana miercoles SABADO"
