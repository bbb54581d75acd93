"""What staff may need to know about a student: the kinds of ``Signal`` and how they travel.

A service that notices one records a ``Signal`` row (kind, member, match) in the same
transaction as what caused it (``Changes.signal``). Once committed, the signal worker
(``bot.services.signal_worker``) is woken; it applies the escalation rules to each signal
not yet processed, oldest first, and marks it processed in the transaction that opens (or
adds to) the escalation and writes its staff post. At start it applies whatever a crash
left unprocessed. Only the kinds below are recorded.
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
#: Check-ins: concerning words in a check-in's answers (the signal points at the check-in).
CONCERNING_WORDS = "concerning_language"
#: Check-ins: a mentor wrote a concern in their check-in (the signal points at it).
MENTOR_CONCERN = "mentor_concern"
