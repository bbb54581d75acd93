"""/join, /profile show|edit and /leave: joining the program with consent, and leaving."""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.i18n import LANGUAGES, LanguageName, Slash, Text
from bot.services.access import Audience
from bot.services.availability import MAX_LENGTH as AVAILABILITY_LIMIT
from bot.services.availability import format_windows
from bot.services.consent import ConsentService
from bot.services.matches import MatchService
from bot.services.matching import FocusArea
from bot.services.profiles import Profile, ProfileDraft, ProfileService
from bot.services.programs import ProgramService
from bot.services.recruiting import Invited, RecruitingService
from cogs import consent_texts
from cogs.context import guild_id_of, localized, reader_language
from cogs.errors import ReportingModal, ReportingView
from cogs.outbox import transactions
from cogs.pairs import PairChannels
from cogs.recruiting_texts import mentee_welcome
from cogs.timezones import zone_choices
from storage.models import ProgramRole

FOCUS_LABELS = {
    FocusArea.ACADEMICS: Text("Academics (school subjects)"),
    FocusArea.SOCIAL_EMOTIONAL: Text("Social-emotional (friends, feelings, stress)"),
    FocusArea.CAREER: Text("Career"),
    FocusArea.COLLEGE_PREP: Text("College prep"),
    FocusArea.LIFE_SKILLS: Text("Life skills"),
}

PRIVACY_NOTICE = Text(
    "**Before you join: your privacy**\n"
    "- **What we keep:** your grade, interests, focus areas, subjects, when you're free and "
    "your time zone; later, your goals, check-ins and session attendance.\n"
    "- **Who sees it:** your mentor or mentee sees your profile and your shared channel. "
    "Check-in answers are seen by you, your mentor (without notes meant for staff) and "
    "staff. Requests for help are seen only by staff.\n"
    "- **How to leave:** `{leave}` at any time; staff can also erase your data on request.\n\n"
    "Nothing is saved unless you press **Accept**.",
    leave=Slash("leave"),
)


class ProfileModal(ReportingModal):
    """Grade, interests, focus areas, subjects and availability, prefilled when editing."""

    def __init__(self, title: Text, current: Profile | None) -> None:
        super().__init__(title=title, timeout=900)
        self.grade: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=Text("Grade"),
            custom_id="profile:grade",
            placeholder=Text("e.g. 9"),
            max_length=2,
            default=str(current.grade) if current else None,
        )
        self.interests: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=Text("Interests (separate with commas)"),
            custom_id="profile:interests",
            placeholder=Text("art, soccer, video games"),
            max_length=300,
            required=False,
            default=", ".join(current.interests) if current else None,
        )
        self.focus: discord.ui.Select[ProfileModal] = discord.ui.Select(
            placeholder=Text("Pick one or more"),
            custom_id="profile:focus",
            min_values=1,
            max_values=len(FOCUS_LABELS),
            options=[
                discord.SelectOption(
                    label=label,
                    value=area.value,
                    default=current is not None and area in current.focus_areas,
                )
                for area, label in FOCUS_LABELS.items()
            ],
        )
        self.subjects: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=Text("School subjects, if academics (commas)"),
            custom_id="profile:subjects",
            placeholder=Text("math, biology"),
            max_length=300,
            required=False,
            default=", ".join(current.subjects) if current else None,
        )
        self.availability: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            label=Text("When are you free each week?"),
            custom_id="profile:availability",
            placeholder=Text("Mon-Thu 3:30-5pm, Sat 10-12"),
            max_length=AVAILABILITY_LIMIT,
            default=current.availability_text if current else None,
        )
        self.add_item(self.grade)
        self.add_item(self.interests)
        self.add_item(
            discord.ui.Label(text=Text("What would you like help with?"), component=self.focus)
        )
        self.add_item(self.subjects)
        self.add_item(self.availability)

    def values(self) -> dict[str, Any]:
        return {
            "grade": self.grade.value,
            "interests": self.interests.value,
            "focus_areas": list(self.focus.values),
            "subjects": self.subjects.value,
            "availability": self.availability.value,
        }


class JoinModal(ProfileModal):
    def __init__(
        self, cog: ProfilesCog, role: ProgramRole, time_zone: str, source: Invited | None = None
    ) -> None:
        title = Text("Join as a mentor") if role is ProgramRole.MENTOR else Text("Join as a mentee")
        super().__init__(title, None)
        self.cog, self.role, self.time_zone, self.source = cog, role, time_zone, source

    async def on_submit(self, interaction: discord.Interaction) -> None:
        draft = self.cog.profiles.draft(self.role, time_zone=self.time_zone, **self.values())
        # From an invitation the form may be in a DM: the server is the invitation's.
        guild_id = self.source.guild_id if self.source is not None else guild_id_of(interaction)
        waiting = await self.cog.consent.waiting(guild_id, interaction.user.id)
        language = reader_language(interaction)
        notices = consent_texts.join_notices(waiting).render(language)
        await interaction.response.send_message(
            f"{PRIVACY_NOTICE.render(language)}\n\n{notices}",
            view=localized(ConsentView(self.cog, draft, self.source), language),
            ephemeral=True,
        )


class EditModal(ProfileModal):
    saves = Text("your profile")

    def __init__(self, cog: ProfilesCog, current: Profile) -> None:
        super().__init__(Text("Edit your profile"), current)
        self.cog, self.current = cog, current

    async def on_submit(self, interaction: discord.Interaction) -> None:
        draft = self.cog.profiles.draft(
            self.current.role, time_zone=self.current.time_zone, **self.values()
        )
        profile = await self.cog.profiles.edit(guild_id_of(interaction), interaction.user.id, draft)
        language = reader_language(interaction)
        await interaction.response.send_message(
            Text("Your profile is updated.").render(language),
            embed=profile_embed(profile, language),
            ephemeral=True,
        )


class ConsentView(ReportingView):
    """Accept stores the profile; Decline (or waiting 10 minutes) stores nothing.

    ``source``: the invitation the join began from (its server: the form may be in a DM)."""

    saves = Text("your profile")

    def __init__(
        self, cog: ProfilesCog, draft: ProfileDraft, source: Invited | None = None
    ) -> None:
        super().__init__(timeout=600)
        self.cog, self.draft, self.source = cog, draft, source

    @discord.ui.button(label=Text("Accept"), style=discord.ButtonStyle.success)
    async def accept(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        guild_id = self.source.guild_id if self.source else guild_id_of(interaction)
        invitation_id = self.source.invitation_id if self.source else None
        profile = await self.cog.profiles.accept(
            guild_id,
            interaction.user.id,
            self.draft,
            invitation_id,
            language=reader_language(interaction),
        )
        self.stop()
        language = reader_language(interaction)
        if profile.role is ProgramRole.MENTOR:
            welcome = Text(
                "Welcome to the program! Next: complete your mentor training "
                "(`{training}`); staff will then match you.",
                training=Slash("training list"),
            ).render(language)
        else:
            place = await self.cog.recruiting.place(guild_id, interaction.user.id)
            welcome = mentee_welcome(place).render(language)
        await interaction.response.edit_message(
            content=welcome, embed=profile_embed(profile, language), view=None
        )
        self.cog.bot.dispatch("program_joined", guild_id, interaction.user.id, invitation_id)

    @discord.ui.button(label=Text("Decline"), style=discord.ButtonStyle.secondary)
    async def decline(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        declined = Text(
            "No problem. Nothing was stored. You can `{join}` any time.", join=Slash("join")
        )
        await interaction.response.edit_message(
            content=declined.render(reader_language(interaction)), view=None
        )


class LeaveView(ReportingView):
    saves = Text("your choice to leave")

    def __init__(self, cog: ProfilesCog) -> None:
        super().__init__(timeout=300)
        self.cog = cog

    @discord.ui.button(label=Text("Leave the program"), style=discord.ButtonStyle.danger)
    async def leave(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        pairs = self.cog.pairs
        ended = await self.cog.matches.leave(
            guild_id_of(interaction), interaction.user.id, pairs.closing_notices
        )
        left = Text(
            "You have left the program. Take care, and you're welcome back any time with `{join}`.",
            join=Slash("join"),
        )
        await interaction.response.edit_message(
            content=left.render(reader_language(interaction)), view=None
        )
        for closed in ended:
            await pairs.finish(closed.pair.match_id)

    @discord.ui.button(label=Text("Stay"), style=discord.ButtonStyle.secondary)
    async def stay(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        stayed = Text("Glad you're staying!").render(reader_language(interaction))
        await interaction.response.edit_message(content=stayed, view=None)


def profile_embed(profile: Profile, language: str) -> discord.Embed:
    def words(text: Text) -> str:
        return text.render(language)

    title = (
        Text("Your profile (mentor)")
        if profile.role is ProgramRole.MENTOR
        else Text("Your profile (mentee)")
    )
    embed = discord.Embed(title=words(title), colour=discord.Colour.teal())
    embed.add_field(name=words(Text("Grade")), value=str(profile.grade))
    embed.add_field(name=words(Text("Time zone")), value=profile.time_zone)
    embed.add_field(
        name=words(Text("Interests")),
        value=", ".join(profile.interests) or words(Text("none")),
        inline=False,
    )
    embed.add_field(
        name=words(Text("Focus areas")),
        value=", ".join(words(FOCUS_LABELS[area]) for area in profile.focus_areas),
        inline=False,
    )
    if profile.subjects:
        embed.add_field(
            name=words(Text("Subjects")), value=", ".join(profile.subjects), inline=False
        )
    embed.add_field(
        name=words(Text("Free each week")),
        value=format_windows(profile.windows, language),
        inline=False,
    )
    return embed


class ProfilesCog(commands.Cog):
    profile = app_commands.Group(
        name="profile",
        description="See or change your mentoring profile",
        guild_only=True,
        extras={"audience": Audience.EVERYONE},
    )

    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.profiles = ProfileService(
            bot.sessions, bot.clock, self.programs, bot.settings.matching
        )
        self.matches = MatchService(
            bot.sessions, bot.clock, bot.settings.matching, transactions=transactions(bot)
        )
        self.pairs = PairChannels(bot, self.matches)
        self.recruiting = RecruitingService(
            bot.sessions,
            bot.clock,
            self.programs,
            bot.settings.recruiting,
            bot.settings.matching,
            bot.delivery,
        )
        self.consent = ConsentService(bot.sessions, bot.clock, self.programs, bot.settings.privacy)

    @app_commands.command(name="join", extras={"audience": Audience.EVERYONE})
    @app_commands.guild_only()
    @app_commands.describe(
        role="Join as a mentor (an older student who helps) or a mentee (who gets a mentor)",
        time_zone="Your time zone if it differs from the school's, e.g. America/Chicago",
    )
    @app_commands.autocomplete(time_zone=zone_choices)
    async def join(
        self,
        interaction: discord.Interaction,
        role: Literal["mentor", "mentee"],
        time_zone: str | None = None,
    ) -> None:
        """Join the mentoring program as a mentor or a mentee."""
        await self.open_join(interaction, ProgramRole(role), time_zone)

    async def open_join(
        self,
        interaction: discord.Interaction,
        role: ProgramRole,
        time_zone: str | None = None,
        source: Invited | None = None,
    ) -> None:
        """The join form, then the privacy notice: from /join, or from an invitation's
        button (``source``, whose server it is, so it also works in a DM)."""
        guild_id = source.guild_id if source else guild_id_of(interaction)
        await self.profiles.ensure_not_joined(guild_id, interaction.user.id)
        zone = time_zone or (await self.programs.get(guild_id)).time_zone
        form = JoinModal(self, role, zone, source)
        await interaction.response.send_modal(localized(form, reader_language(interaction)))

    @profile.command(name="show", extras={"audience": Audience.EVERYONE})
    async def show(self, interaction: discord.Interaction) -> None:
        """Show your mentoring profile."""
        found = await self.profiles.show(guild_id_of(interaction), interaction.user.id)
        await interaction.response.send_message(
            embed=profile_embed(found, reader_language(interaction)), ephemeral=True
        )

    @profile.command(name="edit", extras={"audience": Audience.EVERYONE})
    async def edit(self, interaction: discord.Interaction) -> None:
        """Change your grade, interests, focus areas, subjects or availability."""
        found = await self.profiles.show(guild_id_of(interaction), interaction.user.id)
        await interaction.response.send_modal(
            localized(EditModal(self, found), reader_language(interaction))
        )

    @app_commands.command(
        name="language", extras={"audience": Audience.EVERYONE, "saves": Text("your language")}
    )
    @app_commands.guild_only()
    @app_commands.describe(language="The language of your DMs, reminders and check-ins")
    @app_commands.choices(
        language=[app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()]
    )
    async def language(
        self, interaction: discord.Interaction, language: app_commands.Choice[str]
    ) -> None:
        """Choose the language of your DMs, reminders and check-ins."""
        await self.profiles.set_language(
            guild_id_of(interaction), interaction.user.id, language.value
        )
        done = Text(
            "Done: your DMs, reminders and check-ins now come in {language}. Replies to your "
            "commands follow your Discord's language.",
            language=LanguageName(language.value),
        )
        await interaction.response.send_message(done.render(language.value), ephemeral=True)

    @app_commands.command(name="leave", extras={"audience": Audience.EVERYONE})
    @app_commands.guild_only()
    async def leave(self, interaction: discord.Interaction) -> None:
        """Leave the mentoring program (your matches end; you can come back later)."""
        await self.profiles.show(guild_id_of(interaction), interaction.user.id)
        language = reader_language(interaction)
        sure = Text("Are you sure? Your matches will end and your pair channels become read-only.")
        await interaction.response.send_message(
            sure.render(language), view=localized(LeaveView(self), language), ephemeral=True
        )


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(ProfilesCog(bot))
