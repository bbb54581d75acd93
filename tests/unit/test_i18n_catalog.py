"""The catalogs against the code: every message id the code uses is translated, none is
left over, placeholders match, and the localized command names are ones Discord accepts.

"The code" is what Babel's extractor finds with the project's own configuration
([tool.babel] in pyproject.toml, the same run as `pybabel extract`): every ``Text(...)``
and ``Plural(...)`` in bot/, cogs/ and storage/, and every slash command's name,
description, options and choices (cogs.translator.extract). New code is covered without
touching this file.
"""

from __future__ import annotations

import ast
import string
import tomllib
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import discord
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po
from discord import app_commands

from bot.config import load_settings
from bot.i18n import (
    CHOICE,
    COMMAND,
    DEFAULT_LANGUAGE,
    DOMAIN,
    LANGUAGES,
    OPTION,
    catalog_path,
    lookup,
    placeholders,
)
from cogs.reference import command_tree
from cogs.translator import CatalogTranslator, locales_of

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
Key = tuple[str | None, str | tuple[str, str]]


@cache
def extracted() -> dict[Key, list[str]]:
    """Every message the code uses -> where (Babel's extractor, configured as in pyproject)."""
    babel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["babel"]
    extractors = babel["extractors"]
    method_map = [
        (pattern, extractors.get(mapping["method"], mapping["method"]))
        for mapping in babel["mappings"]
        for pattern in (
            mapping["pattern"] if isinstance(mapping["pattern"], list) else [mapping["pattern"]]
        )
    ]
    keywords = parse_keywords(babel["extract_messages"]["keywords"].split())
    found: dict[Key, list[str]] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords
    ):
        found.setdefault((context, message), []).append(filename)
    return found


@cache
def catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=language, domain=DOMAIN)


def entries(language: str) -> Iterator[Message]:
    yield from (message for message in catalog(language) if message.id)


def key(message: Message) -> Key:
    return message.context, message.id


def fields(text: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (name, spec, conversion)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    ]


def ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def forms(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_the_extractor_finds_the_code_and_the_commands() -> None:
    found = extracted()
    assert (None, 'Try "tomorrow 4pm", "next friday at 3:30" or "dec 3 10am".') in found
    assert (COMMAND, "session") in found and (COMMAND, "schedule") in found
    assert (OPTION, "when") in found and (CHOICE, "in-person") in found
    assert (None, ("{count} upcoming session.", "{count} upcoming sessions.")) in found
    assert len(found) > 250


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_the_code_uses_is_in_the_catalog(language: str) -> None:
    in_catalog = {key(message) for message in entries(language)}
    missing = sorted((str(k), where) for k, where in extracted().items() if k not in in_catalog)
    assert not missing, (
        f"{len(missing)} message(s) missing from {catalog_path(language)}; run `pybabel extract "
        f"-F pyproject.toml && pybabel update` and translate them: {missing}"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_catalog_entry_is_unused(language: str) -> None:
    unused = sorted(
        str(key(message)) for message in entries(language) if key(message) not in extracted()
    )
    assert not unused, f"in {catalog_path(language)} but not in the code: {unused}"
    obsolete = [str(message.id) for message in catalog(language).obsolete.values()]
    assert not obsolete, f"obsolete (#~) entries left in {catalog_path(language)}: {obsolete}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_is_done(language: str) -> None:
    plural_forms = catalog(language).num_plurals
    undone = [
        str(message.id)
        for message in entries(language)
        if message.fuzzy
        or not all(form.strip() for form in forms(message))
        or (isinstance(message.id, tuple) and len(forms(message)) != plural_forms)
    ]
    assert not undone, f"empty, fuzzy or short of plural forms in {language}: {undone}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_match(language: str) -> None:
    wrong = []
    for message in entries(language):
        expected = set().union(*(placeholders(text) for text in ids(message)))
        for form in forms(message):
            got = placeholders(form)
            # A plural form may leave the number out ("y la siguiente" for one).
            allowed_missing = {"count"} if isinstance(message.id, tuple) else set()
            if not got <= expected or not expected - allowed_missing <= got:
                wrong.append((message.id, form))
    assert not wrong, f"placeholders differ from the msgid's in {language}: {wrong}"


@pytest.mark.parametrize("language", [DEFAULT_LANGUAGE, *TRANSLATED])
def test_placeholders_are_plain_names_and_every_message_formats(language: str) -> None:
    for message in entries(TRANSLATED[0]):
        texts = ids(message) if language == DEFAULT_LANGUAGE else forms(message)
        for text in texts:
            for name, spec, conversion in fields(text):
                assert name.isidentifier() and not spec and conversion is None, (text, name)
            text.format_map({name: "x" for name in placeholders(text)})


def test_plural_forms_follow_babel() -> None:
    for language in TRANSLATED:
        assert catalog(language).num_plurals >= 2
    assert catalog("es").plural_expr == "(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2)"


# Command names -----------------------------------------------------------------------------


def discord_name(name: str) -> bool:
    """Discord's rule for command and option names: 1-32 of letters, digits, "-", "_" and
    "'" (any script), lower case where the letter has a lower case."""
    return (
        1 <= len(name) <= 32
        and name == name.lower()
        and all(
            char in "-_'"
            or unicodedata.category(char)[0] in "LN"
            or unicodedata.category(char) == "Mn"
            for char in name
        )
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_localized_names_and_texts_fit_discords_limits(language: str) -> None:
    bad = []
    for message in entries(language):
        translation = forms(message)[0]
        if message.context in (COMMAND, OPTION) and not discord_name(translation):
            bad.append((message.context, message.id, translation))
        if message.context and message.context.endswith("description") and len(translation) > 100:
            bad.append((message.context, message.id, len(translation)))
        if message.context == CHOICE and not 1 <= len(translation) <= 100:
            bad.append((message.context, message.id, translation))
    assert not bad, bad


def test_the_name_rule_itself() -> None:
    assert discord_name("sesion") and discord_name("pedir-ayuda") and discord_name("zona_horaria")
    assert discord_name("sesión") and discord_name("año")  # Discord accepts accents and ñ
    for bad in ("Sesion", "two words", "", "x" * 33, "hora!", "a/b"):
        assert not discord_name(bad), bad


@pytest.fixture
async def tree() -> app_commands.CommandTree[discord.Client]:
    return await command_tree(load_settings(None, {}))


async def payloads(tree: app_commands.CommandTree[discord.Client]) -> list[dict[str, Any]]:
    translator = CatalogTranslator()
    return [
        await command.get_translated_payload(tree, translator)
        for command in tree.get_commands(type=discord.AppCommandType.chat_input)
    ]


def walk(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield payload
    for option in payload.get("options", []):
        yield from walk(option)


async def test_every_command_string_is_localized_for_each_spanish_locale(
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    """Both Spanish locales get every string; one is left out only where Spanish writes it
    as English does ("mentor", "no")."""
    locales = sorted(locale.value for locale in locales_of("es"))
    assert locales == ["es-419", "es-ES"]

    def check(node: dict[str, Any], field: str, english: str) -> None:
        localized = node.get(field) or {}
        if not localized:
            assert english in SAME_IN_SPANISH, (english, field)
            return
        assert sorted(localized) == locales, (english, field)
        assert len(set(localized.values())) == 1

    for payload in await payloads(tree):
        for node in walk(payload):
            check(node, "name_localizations", node["name"])
            if "description" in node:
                check(node, "description_localizations", node["description"])
            for choice in node.get("choices", []):
                check(choice, "name_localizations", choice["name"])


SAME_IN_SPANISH = {"mentor", "no", "English", "Español"}  # a language is named in itself


async def test_localized_names_are_unique_among_siblings(
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    top = await payloads(tree)
    families = [
        top,
        *[node["options"] for payload in top for node in walk(payload) if "options" in node],
    ]
    for locale in ("es-ES", "es-419"):
        for siblings in families:
            shown = [
                node.get("name_localizations", {}).get(locale, node["name"]) for node in siblings
            ]
            assert len(shown) == len(set(shown)), (locale, shown)
        for payload in top:
            for node in walk(payload):
                shown = [
                    choice.get("name_localizations", {}).get(locale, choice["name"])
                    for choice in node.get("choices", [])
                ]
                assert len(shown) == len(set(shown)), (locale, node["name"], shown)


async def test_the_translator_leaves_english_alone(
    tree: app_commands.CommandTree[discord.Client],
) -> None:
    translator = CatalogTranslator()
    session = tree.get_command("session")
    assert session is not None
    payload = await session.get_translated_payload(tree, translator)
    assert payload["name"] == "session"
    assert "en-US" not in payload["name_localizations"]
    assert payload["name_localizations"]["es-419"] == "sesion"
    schedule = next(o for o in payload["options"] if o["name"] == "schedule")
    assert schedule["name_localizations"]["es-ES"] == "programar"
    when = next(o for o in schedule["options"] if o["name"] == "when")
    assert when["name_localizations"]["es-ES"] == "cuando"
    assert lookup("es", "session", COMMAND) == "sesion"


# The code's calls ----------------------------------------------------------------------------


def calls() -> Iterator[tuple[Path, ast.Call]]:
    for folder in ("bot", "cogs", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in {"Text", "Plural"}
                ):
                    yield path.relative_to(ROOT), node


def test_every_message_is_a_literal_with_its_parameters_given() -> None:
    """What the extractor cannot see, or a parameter that would fail at run time."""
    problems = []
    for path, call in calls():
        where = f"{path}:{call.lineno}"
        literal_count = 2 if call.func.id == "Plural" else 1  # type: ignore[attr-defined]
        literals = call.args[:literal_count]
        if len(literals) < literal_count or not all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in literals
        ):
            problems.append(f"{where}: the message must be a string literal")
            continue
        if any(isinstance(node, ast.JoinedStr) for node in ast.walk(call)):
            problems.append(f"{where}: no f-string inside Text()/Plural(); compute it before")
        if any(keyword.arg is None for keyword in call.keywords):
            continue  # **params: checked when it runs
        wanted = set().union(*(placeholders(arg.value) for arg in literals))  # type: ignore[attr-defined]
        given = {keyword.arg for keyword in call.keywords}
        if call.func.id == "Plural":  # type: ignore[attr-defined]
            wanted, given = wanted - {"count"}, given - {"count"}  # the number is given
        if wanted != given:
            problems.append(f"{where}: placeholders {sorted(wanted)} but given {sorted(given)}")
    assert not problems, "\n".join(problems)


def test_catalogs_are_package_data() -> None:
    """A wheel carries every catalog: it sits in the bot package and the glob covers it."""
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["bot"]
    for language in TRANSLATED:
        path = Path(str(catalog_path(language)))
        assert path.is_file()
        relative = path.relative_to(ROOT / "bot").as_posix()
        assert any(Path(relative).match(pattern) for pattern in package_data), relative
