"""What the one error handler tells a person."""

from __future__ import annotations

import re

from discord import app_commands

from bot.errors import InvalidInput, NotAllowed
from cogs.errors import Refused, message_for


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
