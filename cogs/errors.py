"""The one error handler for every interaction: slash commands, buttons, selects and forms.

A ``UserError`` is a message for the person: it is shown to them, ephemerally, as it is.
A failed permission check gets a sentence naming what is missing. Anything else is a bug:
it is logged with its traceback under a short error id, and the person sees an apology
quoting that id which says honestly whether what they did was saved (a write of this
interaction had committed when it failed) or nothing was changed.

Every kind of interaction reaches ``BridgesTree.on_error`` by construction, so a new one
cannot forget it:

- slash commands: ``BridgesTree`` is the bot's command tree;
- a message's buttons and selects: ``ReportingView`` (a view's permission check goes in
  ``allowed``, not ``interaction_check``);
- forms: ``ReportingModal``;
- persistent buttons that work after a restart: ``ReportingItem``, a ``DynamicItem`` whose
  subclasses define ``run`` (its ``callback`` runs it and reports what it raises).

A press or a form that nothing takes (a view that timed out or that a restart left behind,
a form opened before a restart) is answered by ``cogs.unanswered`` instead of Discord's
"This interaction failed".

Each of them also starts the interaction's ``Work`` (storage/db.py: which writes committed)
and cleans what the person typed (bot/text.py) before any handler reads it. Each names what
it saves in ``saves`` (a command in ``extras={"saves": ...}``), for the honest apology.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import MutableMapping
from typing import Any, ClassVar, TypeVar

import discord
from discord import app_commands

from bot.errors import UserError
from bot.i18n import Text, language_of, render
from bot.text import clean, is_invisible
from storage.db import Work, begin_work

log = logging.getLogger(__name__)

EXPIRED_BUTTONS = Text(
    "These buttons have expired: they last a few minutes, and not across a restart of the "
    "bot. Nothing was changed; run the command again for new ones."
)
EXPIRED_FORM = Text(
    "This form has expired (the bot restarted, or it was open too long), so what was in it "
    "was not saved. Please open it again."
)
#: What an interaction saves when its handler does not say.
CHANGE = Text("your change")
#: Where an interaction's handler keeps its Work, and what it saves, in ``interaction.extras``.
WORK, _SAVES = "bridges_work", "bridges_saves"
#: A refused form's "Edit and resend" button, sent with the refusal (``ReportingModal``).
_RESEND = "bridges_resend"
# Translators: a button under a refused form's error; it reopens the form as it was typed.
EDIT_AND_RESEND = Text("Edit and resend")
_STRING_OPTION = discord.AppCommandOptionType.string.value


INVISIBLE_ONLY = Text(
    "What you typed is only invisible characters (like zero-width spaces), so nobody could "
    "read it. Type it again with letters, numbers or emoji."
)


class Refused(app_commands.CheckFailure):
    """A permission check's refusal, with a sentence for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _permission_names(permissions: list[str]) -> str:
    return ", ".join(
        name.replace("_", " ").replace("guild", "server").title() for name in permissions
    )


def _capitalised(text: str, language: str) -> str:
    """What was saved ("your profile"), in ``language``, as the start of a sentence."""
    rendered = render(text, language)
    return rendered[:1].upper() + rendered[1:]


def message_for(
    error: BaseException, saved: str | None = None, language: str = "en"
) -> tuple[str, str | None]:
    """What the person is told, and the error id when the error is a bug.

    ``saved`` names what the interaction had saved when it failed (None: nothing); a
    ``UserError``'s message is rendered in ``language``.
    """
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, UserError | Refused):
        message = render(cause.message, language)
        if saved is None:
            return message, None
        note = Text("({saved} was saved before this.)", saved=_capitalised(saved, language))
        return f"{message}\n{note.render(language)}", None
    reply: Text
    if isinstance(cause, app_commands.MissingPermissions):
        names = _permission_names(cause.missing_permissions)
        reply = Text(
            "You need the {permissions} permission to use this command.", permissions=names
        )
    elif isinstance(cause, app_commands.NoPrivateMessage):
        reply = Text("This command works only inside your school's server, not in DMs.")
    elif isinstance(cause, app_commands.TransformerError):
        reply = Text(
            "I could not understand `{value}`. Please pick one of the suggestions.",
            value=str(cause.value),
        )
    elif isinstance(cause, app_commands.CheckFailure):
        reply = Text("You are not allowed to use this command here.")
    else:
        error_id = secrets.token_hex(4)
        if saved is not None:
            apology = Text(
                "{saved} was saved, but something went wrong on our side after that, so part "
                "of what should follow may be missing. There is no need to do it again; if "
                "something looks wrong, tell a staff member and quote error id `{error_id}`.",
                saved=_capitalised(saved, language),
                error_id=error_id,
            )
        else:
            apology = Text(
                "Sorry, something went wrong on our side and nothing was changed. "
                "If it keeps happening, tell a staff member and quote error id `{error_id}`.",
                error_id=error_id,
            )
        return apology.render(language), error_id
    return reply.render(language), None


def begin(interaction: discord.Interaction, saves: str | None = None) -> None:
    """Start noting what this interaction saves; ``saves`` names it for an error reply."""
    interaction.extras[WORK] = begin_work()
    if saves is not None:
        interaction.extras[_SAVES] = saves


def _saved(interaction: discord.Interaction) -> str | None:
    """What this interaction saved before it failed, or None when nothing was."""
    work = interaction.extras.get(WORK)
    if not isinstance(work, Work) or not work.saved:
        return None
    saves = interaction.extras.get(_SAVES)
    if saves is None and interaction.command is not None:
        saves = interaction.command.extras.get("saves")
    return saves if isinstance(saves, str) else CHANGE


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    saved = _saved(interaction)
    text, error_id = message_for(error, saved, language_of(interaction.locale.value))
    if error_id is not None:
        command = interaction.command.qualified_name if interaction.command else "component"
        custom_id = interaction.data.get("custom_id") if interaction.data else None
        log.error(
            "error %s in %s%s (guild %s, user %s, saved: %s)",
            error_id,
            command,
            f" {custom_id}" if isinstance(custom_id, str) else "",
            interaction.guild_id,
            interaction.user.id,
            "yes" if saved else "no",
            exc_info=(type(error), error, error.__traceback__),
        )
    resend = interaction.extras.get(_RESEND)
    view = resend if isinstance(resend, discord.ui.View) and error_id is None else None
    if view is not None and saved is not None:
        view = None  # part of it was saved: sending it all again could repeat that part
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                text, ephemeral=True, view=view or discord.utils.MISSING
            )
        else:
            await interaction.response.send_message(
                text, ephemeral=True, view=view or discord.utils.MISSING
            )
    except discord.HTTPException:
        log.warning("could not tell user %s about an error (id %s)", interaction.user.id, error_id)


async def _handle(interaction: discord.Interaction, error: Exception) -> None:
    """Hand an item's or a form's error to the bot's one handler (the tree's ``on_error``)."""
    tree = getattr(interaction.client, "tree", None)
    if isinstance(tree, BridgesTree):
        await tree.on_error(interaction, error)
    else:
        await report_error(interaction, error)


def _clean_options(options: list[MutableMapping[str, Any]]) -> bool:
    """Clean every string option, in place, through subcommand groups; False if one shows
    nothing (only invisible characters)."""
    readable = True
    for option in options:
        if option.get("type") == _STRING_OPTION and isinstance(option.get("value"), str):
            option["value"] = clean(option["value"])
            readable = readable and not _unreadable(option["value"])
        readable = _clean_options(option.get("options", [])) and readable
    return readable


def _unreadable(value: str) -> bool:
    """Typed, but nothing in it shows (spaces alone are left to each form's own check)."""
    return bool(value.strip()) and is_invisible(value)


def _refuse_overrides(cls: type, base: type, *names: str, instead: str) -> None:
    """A subclass must not replace what makes errors reach the one handler."""
    for name in names:
        if name in vars(cls):
            raise TypeError(
                f"{cls.__name__} overrides {name}, which {base.__name__} needs; "
                f"define {instead} instead"
            )


class BridgesTree(app_commands.CommandTree[discord.Client]):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Before any command runs: start its work, and clean the text options typed."""
        begin(interaction)
        if isinstance(interaction.data, dict):
            readable = _clean_options(interaction.data.get("options", []))  # type: ignore[arg-type]
            if not readable and interaction.type is not discord.InteractionType.autocomplete:
                raise Refused(INVISIBLE_ONLY.render(language_of(interaction.locale.value)))
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """Every interaction's error ends here: commands', and items' and forms' too."""
        await report_error(interaction, error)


class ReportingModal(discord.ui.Modal):
    """A form whose errors are answered like a command's: a sentence, or an error id.

    Its text fields are cleaned before ``on_submit`` reads them.
    """

    saves: ClassVar[str] = CHANGE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _refuse_overrides(cls, ReportingModal, "interaction_check", "on_error", instead="on_submit")

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        begin(interaction, self.saves)
        for item in self.walk_children():
            if isinstance(item, discord.ui.TextInput) and item._value is not None:
                item._value = clean(item._value)  # the submitted value; discord.py has no setter
                if _unreadable(item._value):
                    raise UserError(INVISIBLE_ONLY)
        return True

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        """A refusal (bad input) comes with a button that reopens the form as typed."""
        if isinstance(error, UserError | Refused):
            interaction.extras[_RESEND] = _Resend(self, interaction)
        await _handle(interaction, error)

    def keep_as_typed(self) -> None:
        """Show what was submitted when the form opens again."""
        for item in self.walk_children():
            if isinstance(item, discord.ui.TextInput):
                item.default = item.value
            elif isinstance(item, discord.ui.Select) and item.values:
                chosen = set(map(str, item.values))
                for option in item.options:
                    option.default = option.value in chosen


class ReportingView(discord.ui.View):
    """Buttons and selects whose errors are answered like a command's.

    Who may use them is decided in ``allowed`` (raise ``UserError`` to say why not).
    """

    saves: ClassVar[str] = CHANGE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _refuse_overrides(cls, ReportingView, "interaction_check", "on_error", instead="allowed")

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        begin(interaction, self.saves)
        return await self.allowed(interaction)

    async def allowed(self, interaction: discord.Interaction) -> bool:
        """Whether this person may press these buttons (False: ignored, so say why instead)."""
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, _item: discord.ui.Item[Any], /
    ) -> None:
        await _handle(interaction, error)


ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])
#: Matches no custom_id: the base class itself is never dispatched.
_NOTHING = re.compile(r"(?!)")


class ReportingItem(discord.ui.DynamicItem[ItemT], template=_NOTHING):
    """A persistent button (or select) rebuilt from its custom_id after a restart.

    Subclasses define ``run(interaction)``; what it raises is answered like a command's
    error. ``callback`` and ``interaction_check`` are this class's, so none can skip it.
    """

    saves: ClassVar[str] = CHANGE

    def __init_subclass__(cls, *, template: str | re.Pattern[str], **kwargs: Any) -> None:
        super().__init_subclass__(template=template, **kwargs)
        _refuse_overrides(cls, ReportingItem, "callback", "interaction_check", instead="run")

    async def callback(self, interaction: discord.Interaction) -> None:
        begin(interaction, self.saves)
        try:
            await self.run(interaction)
        except Exception as error:
            await _handle(interaction, error)

    async def run(self, interaction: discord.Interaction) -> None:
        """What pressing it does."""
        raise NotImplementedError(f"{type(self).__name__} must define run()")


class _Resend(ReportingView):
    """ "Edit and resend" under a refused form: the same form, with what was typed."""

    def __init__(self, modal: ReportingModal, refused: discord.Interaction) -> None:
        super().__init__(timeout=600)
        self.modal = modal
        self.user_id = refused.user.id
        button: discord.ui.Button[_Resend] = discord.ui.Button(
            label=EDIT_AND_RESEND.render(language_of(refused.locale.value)),
            style=discord.ButtonStyle.primary,
        )
        button.callback = self.reopen  # type: ignore[method-assign]
        self.add_item(button)

    async def allowed(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.user_id

    async def reopen(self, interaction: discord.Interaction) -> None:
        self.modal.keep_as_typed()
        await interaction.response.send_modal(self.modal)
