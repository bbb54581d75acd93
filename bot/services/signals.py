"""What staff may need to know about a student: the kinds of ``Signal`` and how they travel.

A service that notices one records a ``Signal`` row (kind, member, match) in the same
transaction as what caused it. The cog that called the service then tells the bot with
``bot.dispatch("signal_recorded", signal_id)``; the escalation rules listen for that event
and decide whether staff must hear about it. Only the kinds below are recorded.
"""

from __future__ import annotations

#: Sessions: the last two sessions of a pair were both answered "no-show".
TWO_NO_SHOWS = "two_no_shows"
#: Sessions: a new match has had no session in its first 7 days.
NO_FIRST_SESSION = "no_session_7_days"
#: Sessions: an active match has had no session in the last 14 days.
NO_SESSION_14_DAYS = "no_session_14_days"
#: Check-ins: mood 2 or lower in two weekly check-ins in a row.
LOW_MOOD_TWICE = "low_mood_twice"
#: Check-ins: two weekly check-ins in a row missed.
TWO_MISSED_CHECKINS = "two_missed_checkins"
#: Check-ins: the student asked for an adult from staff to reach out.
REACH_OUT = "reach_out"
#: Check-ins: a mentor asked for support from staff in their check-in.
MENTOR_SUPPORT = "mentor_support"
