"""What the one error handler tells a person."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import discord
import pytest
from discord import app_commands

import cogs
from bot.errors import InvalidInput, NotAllowed, UserError
from bot.i18n import Text
from cogs.errors import (
    Refused,
    ReportingItem,
    ReportingModal,
    ReportingView,
    message_for,
)


def test_a_user_error_is_shown_as_it_is() -> None:
    assert message_for(InvalidInput("Pick a time in the future.")) == (
        "Pick a time in the future.",
        None,
    )
    assert message_for(NotAllowed("Staff only.")) == ("Staff only.", None)


def test_a_refused_check_says_why() -> None:
    assert message_for(Refused("Only staff can use this command.")) == (
        "Only staff can use this command.",
        None,
    )


def test_missing_permissions_are_named() -> None:
    text, error_id = message_for(app_commands.MissingPermissions(["manage_guild"]))
    assert text == "You need the Manage Server permission to use this command."
    assert error_id is None


def test_dm_use_of_a_server_command_is_explained() -> None:
    text, _ = message_for(app_commands.NoPrivateMessage())
    assert "inside your school's server" in text


def test_a_bug_gets_an_apology_with_an_error_id_and_no_details() -> None:
    text, error_id = message_for(RuntimeError("database password is hunter2"))
    assert error_id is not None and re.fullmatch(r"[0-9a-f]{8}", error_id)
    assert f"error id `{error_id}`" in text
    assert "hunter2" not in text and "RuntimeError" not in text
    assert message_for(RuntimeError("x"))[1] != error_id


def test_a_bug_after_a_write_committed_says_what_was_saved() -> None:
    text, error_id = message_for(RuntimeError("the reply failed"), saved="your profile")
    assert text.startswith("Your profile was saved, but something went wrong")
    assert "nothing was changed" not in text and "no need to do it again" in text
    assert error_id is not None and f"`{error_id}`" in text


def test_a_bug_with_nothing_saved_says_nothing_was_changed() -> None:
    text, _ = message_for(RuntimeError("x"), saved=None)
    assert "nothing was changed" in text and "saved" not in text


def test_a_refusal_after_a_write_committed_says_so_too() -> None:
    text, error_id = message_for(
        InvalidInput("Your pair channel is missing."), saved="your session proposal"
    )
    assert error_id is None
    assert text == "Your pair channel is missing.\n(Your session proposal was saved before this.)"


def _subclasses(base: type) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _ours(base: type) -> set[type]:
    for module in pkgutil.walk_packages(cogs.__path__, prefix="cogs."):
        importlib.import_module(module.name)
    return {cls for cls in _subclasses(base) if cls.__module__.startswith("cogs.")}


def test_every_item_view_and_form_in_the_cogs_reaches_the_one_handler() -> None:
    """A new button, view or form that bypasses the handler fails here, by name."""
    items = _ours(discord.ui.DynamicItem) - {ReportingItem}
    views = _ours(discord.ui.View) - {ReportingView}
    modals = _ours(discord.ui.Modal) - {ReportingModal}
    assert items and views and modals
    assert {c.__name__ for c in items if not issubclass(c, ReportingItem)} == set()
    assert {c.__name__ for c in views if not issubclass(c, ReportingView)} == set()
    assert {c.__name__ for c in modals if not issubclass(c, ReportingModal)} == set()


def test_a_subclass_cannot_take_the_hooks_the_handler_needs() -> None:
    with pytest.raises(TypeError, match="define run instead"):

        class Pressed(ReportingItem[discord.ui.Button[Any]], template=r"pressed:[0-9]+"):
            async def callback(self, interaction: discord.Interaction) -> None: ...

    with pytest.raises(TypeError, match="define allowed instead"):

        class Checked(ReportingView):
            async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
                return True

    with pytest.raises(TypeError, match="define on_submit instead"):

        class Handled(ReportingModal, title="x"):
            async def on_error(  # type: ignore[override]
                self, interaction: discord.Interaction, error: Exception, /
            ) -> None: ...


def test_the_saved_note_and_the_apology_follow_the_readers_language() -> None:
    refused = UserError(Text("Pick a language from the list."))
    text, _ = message_for(refused, saved=Text("your profile"), language="es")
    assert text == "Elige un idioma de la lista.\n(Tu perfil ya se había guardado antes de esto.)"
    apology, error_id = message_for(RuntimeError("x"), language="es")
    assert error_id is not None and apology.startswith("Perdón, algo falló de nuestro lado")
    assert f"`{error_id}`" in apology
