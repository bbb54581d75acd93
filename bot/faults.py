"""Named fault points, for the crash harness (``tests/crash/``).

A flow marks the moments a crash matters with ``fault("checkin-fanout:after-commit")``.
When the environment variable ``BRIDGES_FAULT`` names that point, the process kills itself
with SIGKILL there (no cleanup, no flush: what an operator's ``kill -9`` or a power cut
does); otherwise the call does nothing. The variable is read once, at import, so an unset
variable costs one comparison per call.

Every flow's transaction marks two points, ``{flow}:before-commit`` and
``{flow}:after-commit`` (``Transactions.begin(flow)`` in ``bot/services/outbox.py``); one
more is placed by hand. Those the crash harness kills at:

- ``checkin-fanout``: a week's check-ins with every prompt; ``checkin-reminder``: reminders.
- ``session-reminder``: the reminder window; ``session-accept``: a session confirmed with
  the proposer's notice.
- ``signal-worker``: a signal applied by the escalation rules with its staff post.
- ``escalation-post``: /help-me's escalation with its staff post.
- ``match-create`` (the match saved) and ``match-create:after-channel`` (its channel made on
  Discord, not yet recorded).
- ``escalation-follow-up``: a claimed escalation's follow-ups (the claimer's DM, the staff
  role's ping); ``escalation-sla``: an unclaimed one's next tier with its pages (email and
  the signed webhook).
- ``member-forget``: ``/staff forget`` with the edits that leave every post and DM about the
  member reading "[erased]"; ``staff-channel-check``: the staff channel found readable by
  others, with the notice to staff.
"""

from __future__ import annotations

import os
import signal

#: The one point this process dies at, if any.
ARMED = os.environ.get("BRIDGES_FAULT") or None


def fault(point: str) -> None:
    """SIGKILL this process if ``BRIDGES_FAULT`` names ``point``; else do nothing."""
    if point == ARMED:
        os.write(2, f"fault point {point} reached: killing the process\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)
