"""The forms of both surveys, and the DM button that opens them (it works after restarts)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import discord

from bot.i18n import Text
from bot.services.surveys import Survey, SurveyService
from cogs import survey_texts as texts
from cogs.context import localized, reader_language
from cogs.errors import ReportingItem, ReportingModal

#: The button's custom_id per survey; DMs already sent keep working with these.
CUSTOM_IDS = {Survey.MIDPOINT: "midpoint:{match_id}", Survey.CLOSURE: "closure-survey:{match_id}"}


def _scale(custom_id: str, labels: dict[int, Text]) -> discord.ui.RadioGroup[Any]:
    """One choice on a 1-5 scale: every option is in sight, one tap answers."""
    return discord.ui.RadioGroup(
        custom_id=custom_id,
        options=[
            discord.RadioGroupOption(label=texts.scale_option(value, label), value=str(value))
            for value, label in labels.items()
        ],
    )


def _chosen(scale: discord.ui.RadioGroup[Any]) -> int:
    """The value picked; 0 (refused by the service) when Discord sent none."""
    return int(scale.value) if scale.value and scale.value.isdigit() else 0


class SurveyModal(ReportingModal, title=texts.MIDPOINT_TITLE):
    """The closure survey's overall rating, a 1-5 scale per configured statement, a comment."""

    saves = Text("your answers")

    def __init__(self, service: SurveyService, survey: Survey, match_id: int) -> None:
        closing = survey is Survey.CLOSURE
        super().__init__(
            title=texts.CLOSURE_TITLE if closing else texts.MIDPOINT_TITLE, timeout=1800
        )
        self.service, self.survey, self.match_id = service, survey, match_id
        self.rating: discord.ui.RadioGroup[Any] | None = None
        if closing:
            self.rating = _scale(f"{survey}:rating", texts.RATING_LABELS)
            self.add_item(discord.ui.Label(text=texts.RATING_QUESTION, component=self.rating))
        self.statements: list[discord.ui.RadioGroup[Any]] = []
        for index, statement in enumerate(service.questions):
            scale = _scale(f"{survey}:q{index}", texts.LIKERT_LABELS)
            self.statements.append(scale)
            self.add_item(discord.ui.Label(text=statement, component=scale))
        self.comment: discord.ui.TextInput[SurveyModal] = discord.ui.TextInput(
            custom_id=f"{survey}:comment",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
        )
        self.add_item(
            discord.ui.Label(
                text=texts.CLOSURE_COMMENT_LABEL if closing else texts.COMMENT_LABEL,
                description=texts.COMMENT_NOTE,
                component=self.comment,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        answers = [_chosen(scale) for scale in self.statements]
        if self.rating is None:
            await self.service.submit_midpoint(
                self.match_id, interaction.user.id, answers, self.comment.value
            )
        else:
            await self.service.submit_closure(
                self.match_id,
                interaction.user.id,
                _chosen(self.rating),
                answers,
                self.comment.value,
            )
        await interaction.response.send_message(
            texts.THANKS.render(reader_language(interaction)), ephemeral=True
        )


class SurveyButton(
    ReportingItem[discord.ui.Button[Any]],
    template=r"(?P<survey>midpoint|closure-survey):(?P<match_id>[0-9]+)",
):
    #: Set when the surveys cog loads; the button is rebuilt from its custom_id alone.
    service: ClassVar[SurveyService | None] = None

    def __init__(self, survey: Survey, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=texts.BUTTON_LABEL,
                style=discord.ButtonStyle.primary,
                custom_id=CUSTOM_IDS[survey].format(match_id=match_id),
            )
        )
        self.survey, self.match_id = survey, match_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SurveyButton:
        survey = Survey.MIDPOINT if match["survey"] == "midpoint" else Survey.CLOSURE
        return cls(survey, int(match["match_id"]))

    async def run(self, interaction: discord.Interaction) -> None:
        if self.service is None:
            raise RuntimeError("the surveys cog is not loaded")
        await self.service.check_answerable(self.survey, self.match_id, interaction.user.id)
        form = SurveyModal(self.service, self.survey, self.match_id)
        await interaction.response.send_modal(localized(form, reader_language(interaction)))
