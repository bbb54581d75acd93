"""Every word a person reads, in their language: gettext catalogs compiled by Babel.

Message ids are the English text (the gettext convention) with ``{name}`` placeholders
filled by ``str.format``. Code never translates eagerly: it builds a ``Text`` (or a
``Plural``), a ``str`` whose value is the English text, so it goes anywhere a ``str`` goes
(``UserError(Text(...))``, a log line, an English DM), and whoever knows the reader
renders it: ``text.render(language)``. Parameters that are themselves ``Localized``
(another ``Text``, a ``Date``, a ``Clock``, a ``Slash`` command name...) render in the same
language, so a sentence can carry a localized date or a nested sentence.

The catalogs are ``bot/locale/<language>/LC_MESSAGES/bridges.po``, in the package so a
wheel carries them; each is compiled once, in memory, the first time it is needed. English
has no catalog: its text is the message id. A missing or empty translation falls back to
English. ``bot/locale/README.md`` says how to extract, update and add a language.

Which language: ``language_of(locale)`` maps a Discord locale ("es-419", "en-GB") to one
of ``LANGUAGES``; anything else is English.
"""

from __future__ import annotations

import gettext
import io
import logging
import string
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any, Final, Literal, Self

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_day_names
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from babel.units import format_unit

__all__ = [
    "CHOICE",
    "COMMAND",
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "OPTION",
    "ChoiceName",
    "Clock",
    "Date",
    "Duration",
    "Joined",
    "LanguageName",
    "Listing",
    "Localized",
    "OptionName",
    "Plural",
    "Slash",
    "Text",
    "Weekday",
    "catalog_path",
    "fold_accents",
    "language_of",
    "load_catalogs",
    "lookup",
    "placeholders",
    "render",
    "render_json",
]

log = logging.getLogger(__name__)

LANGUAGES: Final[Mapping[str, str]] = {
    "en": "English",
    "es": "Español",
}
"""Every language Bridges speaks, by code, with its own name. The first is the default and
the language of the message ids. A new language is one line here and one ``.po`` file."""

DEFAULT_LANGUAGE: Final = next(iter(LANGUAGES))
DOMAIN: Final = "bridges"

# Contexts (msgctxt) of the command strings the Discord translator serves.
COMMAND: Final = "command"
"""The context of a command or group name ("session", "schedule")."""
OPTION: Final = "option"
"""The context of an option name ("when")."""
CHOICE: Final = "choice"
"""The context of a choice of an option ("in-person")."""


def language_of(locale: str | None) -> str:
    """The supported language for a Discord locale: "es-419" and "es-ES" -> "es", anything
    unknown (or None) -> the default, English."""
    if not locale:
        return DEFAULT_LANGUAGE
    code = str(locale).replace("_", "-").lower()
    if code in LANGUAGES:
        return code
    base = code.split("-", 1)[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def catalog_path(language: str) -> resources.abc.Traversable:
    """Where the ``.po`` source of ``language`` lives (inside the ``bot`` package)."""
    return resources.files("bot") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language``; English (and a language without a catalog)
    translates nothing."""
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    with catalog_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def load_catalogs() -> None:
    """Compile every catalog now (at start) rather than on the first reply that needs it."""
    for language in LANGUAGES:
        _translations(language)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def lookup(language: str, message: str, context: str | None = None) -> str:
    """The translation of one catalog entry, or ``message`` itself when there is none."""
    translations = _translations(language)
    if context is None:
        return translations.gettext(message)
    return translations.pgettext(context, message)


def placeholders(message: str) -> frozenset[str]:
    """The ``{name}`` fields of a message ("{count} weeks" -> {"count"})."""
    return frozenset(
        field for _, field, _, _ in string.Formatter().parse(message) if field is not None
    )


class Localized:
    """Something that is written differently in each language (a mixin with one method)."""

    __slots__ = ()

    def render(self, language: str) -> str:
        raise NotImplementedError


def render(text: str, language: str) -> str:
    """``text`` for a reader of ``language``: rendered if it is a ``Text``, else as it is."""
    return text.render(language) if isinstance(text, Localized) else text


def render_json(value: Any, language: str) -> Any:
    """A JSON value (an embed, a row of components) with every ``Text`` in it rendered."""
    if isinstance(value, dict):
        return {key: render_json(item, language) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render_json(item, language) for item in value]
    return render(value, language) if isinstance(value, str) else value


def _argument(value: object, language: str) -> object:
    return value.render(language) if isinstance(value, Localized) else value


class Text(str, Localized):
    """A message for a person. Its ``str`` value is the English text; ``render(language)``
    gives it in another language. ``Text("Hi {name}", name=...)``: the id is the literal
    English text, so Babel's extractor finds it (never pass it a variable or an f-string).
    """

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Self:
        text = super().__new__(cls, _fill(msgid, params, DEFAULT_LANGUAGE))
        text.msgid, text.params = msgid, params
        return text

    def pattern(self, language: str) -> str:
        """The message in ``language`` with its placeholders still in it."""
        return lookup(language, self.msgid)

    def render(self, language: str) -> str:
        if language == DEFAULT_LANGUAGE:
            return str.__str__(self)
        english = self.pattern(DEFAULT_LANGUAGE)
        return _fill(self.pattern(language), self.params, language, fallback=english)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.msgid, dict(self.params)))


class Plural(Text):
    """A message whose words depend on a number: ``Plural("{count} session", "{count}
    sessions", n)``, following each language's plural rules (Spanish has three forms in
    CLDR: one, many for a million, other). ``{count}`` is the number."""

    plural: str
    number: int

    def __new__(cls, singular: str, plural: str, count: int, /, **params: object) -> Self:
        params = {"count": count, **params}
        english = singular if count == 1 else plural
        text = str.__new__(cls, _fill(english, params, DEFAULT_LANGUAGE))
        text.msgid, text.plural, text.number, text.params = singular, plural, count, params
        return text

    def pattern(self, language: str) -> str:
        return _translations(language).ngettext(self.msgid, self.plural, self.number)

    def __reduce__(self) -> tuple[object, ...]:
        params = {key: value for key, value in self.params.items() if key != "count"}
        return (_rebuild_plural, (type(self), self.msgid, self.plural, self.number, params))


def _rebuild(cls: type[Text], msgid: str, params: dict[str, object]) -> Text:
    return cls(msgid, **params)


def _rebuild_plural(
    cls: type[Plural], singular: str, plural: str, count: int, params: dict[str, object]
) -> Plural:
    return cls(singular, plural, count, **params)


def _fill(
    pattern: str, params: Mapping[str, object], language: str, fallback: str | None = None
) -> str:
    """``pattern`` with ``params`` rendered in ``language``. A translation that does not
    format (the catalog tests prevent it) falls back to the English ``fallback`` rather
    than failing the reply; English itself must format (a missing parameter is a bug)."""
    arguments = {name: _argument(value, language) for name, value in params.items()}
    try:
        return pattern.format_map(arguments)
    except (KeyError, IndexError, ValueError, AttributeError):
        if fallback is None:
            raise
        log.warning("the %s translation of %r does not format; using English", language, fallback)
        return fallback.format_map(arguments)


# Localized values ---------------------------------------------------------------------------


class Date(Localized):
    """A calendar date in words: "Sunday, March 8, 2026" / "domingo, 8 de marzo de 2026";
    ``skeleton`` picks a shorter form ("MMMEd": "Sun, Mar 8" / "dom, 8 mar")."""

    __slots__ = ("skeleton", "value")

    def __init__(self, value: date, skeleton: str | None = None) -> None:
        self.value, self.skeleton = value, skeleton

    def render(self, language: str) -> str:
        locale = _locale(language)
        if self.skeleton is None:
            return _plain_spaces(format_date(self.value, "full", locale=locale))
        return _plain_spaces(format_skeleton(self.skeleton, self.value, locale=locale))


class Clock(Localized):
    """A time of day as the language writes it: "2:30 PM" / "14:30"."""

    __slots__ = ("value",)

    def __init__(self, value: time | datetime) -> None:
        self.value = value.time() if isinstance(value, datetime) else value

    def render(self, language: str) -> str:
        return _plain_spaces(format_time(self.value, "short", locale=_locale(language)))


class Weekday(Localized):
    """A day of the week (0 = Monday): "Monday" / "lunes"; ``width`` "abbreviated" gives
    "Mon" / "lun"."""

    __slots__ = ("index", "width")

    def __init__(self, index: int, width: Literal["wide", "abbreviated", "short"] = "wide") -> None:
        self.index, self.width = index, width

    def render(self, language: str) -> str:
        return str(get_day_names(self.width, locale=_locale(language))[self.index])


class Duration(Localized):
    """A length of time in whole minutes: "15 minutes", "60 days", "1 hour 30 minutes" /
    "1 hora 30 minutos"."""

    __slots__ = ("value",)

    def __init__(self, value: timedelta) -> None:
        self.value = value

    def render(self, language: str) -> str:
        days, rest = divmod(self.value // timedelta(minutes=1), 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [(days, "duration-day"), (hours, "duration-hour"), (minutes, "duration-minute")]
        locale = _locale(language)
        spoken = [str(format_unit(count, unit, locale=locale)) for count, unit in parts if count]
        return " ".join(spoken) or str(format_unit(0, "duration-minute", locale=locale))


class LanguageName(Localized):
    """A language as the reader's language names it: ``LanguageName("es")`` is "Spanish" in
    English and "español" in Spanish (CLDR's names)."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def render(self, language: str) -> str:
        return str(_locale(self.code).get_language_name(_locale(language)))


class Listing(Localized):
    """Items joined as the language lists them: "a, b, and c" / "a, b y c" (``style``
    "or": "a, b, or c" / "a, b o c")."""

    __slots__ = ("items", "style")

    def __init__(
        self, items: Iterable[object], style: Literal["standard", "or"] = "standard"
    ) -> None:
        self.items, self.style = tuple(items), style

    def render(self, language: str) -> str:
        rendered = [str(_argument(item, language)) for item in self.items]
        return str(format_list(rendered, style=self.style, locale=_locale(language)))


class Joined(str, Localized):
    """Items rendered and joined, each after ``prefix``: ``Joined(problems, "\\n", "- ")``
    is one "- problem" per line. Like a ``Text``, its ``str`` value is the English."""

    items: tuple[object, ...]
    separator: str
    prefix: str

    def __new__(cls, items: Iterable[object], separator: str = " ", prefix: str = "") -> Self:
        listed = tuple(items)
        text = super().__new__(cls, _join(listed, separator, prefix, DEFAULT_LANGUAGE))
        text.items, text.separator, text.prefix = listed, separator, prefix
        return text

    def render(self, language: str) -> str:
        return _join(self.items, self.separator, self.prefix, language)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.items, self.separator, self.prefix))


def _join(items: Iterable[object], separator: str, prefix: str, language: str) -> str:
    return separator.join(f"{prefix}{_argument(item, language)}" for item in items)


class Slash(Localized):
    """A slash command as the reader's Discord shows it: ``Slash("session schedule")`` is
    "/session schedule" in English and "/sesion programar" in Spanish (the names the
    command translator registers, from the same catalog)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def render(self, language: str) -> str:
        return "/" + " ".join(lookup(language, word, COMMAND) for word in self.path.split())


class ChoiceName(Localized):
    """A choice of a slash command option as the reader's Discord lists it:
    ``ChoiceName("in-person")`` is "in-person" in English, "en persona" in Spanish."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def render(self, language: str) -> str:
        return lookup(language, self.name, CHOICE)


class OptionName(Localized):
    """An option of a slash command as the reader's Discord shows it: ``OptionName("with")``
    is "with" in English, "con" in Spanish."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def render(self, language: str) -> str:
        return lookup(language, self.name, OPTION)


def fold_accents(text: str) -> str:
    """``text`` without accents or tildes ("mañana miércoles" -> "manana miercoles")."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _plain_spaces(text: str) -> str:
    """CLDR's narrow and non-breaking spaces ("2:30\\u202fPM") as plain ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")
