"""The closure survey: a button in the DM (works after restarts) that opens a modal."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import discord

from bot.services.matches import MatchService
from cogs.errors import ReportingModal

CUSTOM_ID = "closure-survey:{match_id}"


class SurveyModal(ReportingModal, title="How did your mentoring go?"):
    rating: discord.ui.TextInput[SurveyModal] = discord.ui.TextInput(
        label="How did it go? 1 (badly) to 5 (great)", max_length=1, custom_id="survey:rating"
    )
    helped: discord.ui.TextInput[SurveyModal] = discord.ui.TextInput(
        label="What helped?",
        custom_id="survey:helped",
        style=discord.TextStyle.paragraph,
        max_length=1000,
        required=False,
    )
    change: discord.ui.TextInput[SurveyModal] = discord.ui.TextInput(
        label="What would you change?",
        custom_id="survey:change",
        style=discord.TextStyle.paragraph,
        max_length=1000,
        required=False,
    )

    def __init__(self, service: MatchService, match_id: int) -> None:
        super().__init__()
        self.service = service
        self.match_id = match_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text = self.rating.value.strip()
        rating = int(text) if text.isdigit() else 0
        await self.service.submit_survey(
            self.match_id, interaction.user.id, rating, self.helped.value, self.change.value
        )
        await interaction.response.send_message(
            "Thank you! Your answers were saved.", ephemeral=True
        )

    # discord.py's Modal.on_error takes no item, unlike the View's it inherits from.


class SurveyButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"closure-survey:(?P<match_id>[0-9]+)"
):
    #: Set when the matching cog loads; the button is rebuilt from its custom_id alone.
    service: ClassVar[MatchService | None] = None

    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer the survey",
                style=discord.ButtonStyle.primary,
                custom_id=CUSTOM_ID.format(match_id=match_id),
            )
        )
        self.match_id = match_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SurveyButton:
        return cls(int(match["match_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.service is None:
            raise RuntimeError("the matching cog is not loaded")
        await interaction.response.send_modal(SurveyModal(self.service, self.match_id))
