"""What people read about deliveries: the post for a student with DMs closed, /dms, and
/staff status."""

from __future__ import annotations

from bot.delivery import Message

MAX_CONTENT = 2000
REOPEN_HOW = (
    "To get these privately again: open this server's menu (its name at the top), choose "
    "**Privacy Settings**, turn on **Direct Messages**, then run `/dms on`."
)


def fallback(user_id: int, message: Message) -> Message:
    """The prompt, posted where the student (and their mentor, or staff) can see it."""
    head = f"<@{user_id}> I couldn't send you this as a direct message (your DMs are closed):\n\n"
    tail = f"\n\n-# {REOPEN_HOW}"
    room = MAX_CONTENT - len(head) - len(tail)
    body = message.content if len(message.content) <= room else message.content[: room - 1] + "…"
    return Message(
        content=head + body + tail,
        embeds=message.embeds,
        components=message.components,
        mention_user_ids=(user_id, *message.mention_user_ids),
        mention_role_ids=message.mention_role_ids,
    )


DMS_CHECK = "Your DMs are open: Bridges will send your reminders and check-ins here again."
DMS_OPEN = "Done: I could message you, so your prompts come as DMs again."
DMS_STILL_CLOSED = "Discord still won't let me message you. " + REOPEN_HOW
DMS_NO_CHANGE = "I couldn't check your DMs just now; please try again in a minute."
