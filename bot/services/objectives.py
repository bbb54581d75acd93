"""Program objectives: "attendance_rate >= 90%" read from config and judged against a figure.

``METRICS`` names every figure the report computes, with its unit; an objective names one
of them, a comparison and a target. A metric added to the report is one line here
and its figure in one section function of ``reports``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.i18n import Text

#: metric name -> (what it is, unit: "%", "count" or "average")
METRICS: dict[str, tuple[str, str]] = {
    "active_matches": (Text("active matches at the end of the period"), "count"),
    "sessions_per_week": (Text("sessions held per week"), "average"),
    "attendance_rate": (Text("sessions that happened, of those answered"), "%"),
    "pairs_meeting_twice_a_month": (Text("pairs with 2+ sessions in the last 30 days"), "%"),
    "pairs_without_contact_14d": (Text("active pairs with no session in 14 days"), "count"),
    "survey_rating": (Text("closure-survey overall rating, 1 to 5"), "average"),
    "midpoint_agreement": (Text("mid-point survey agreement, 1 to 5"), "average"),
    "closure_agreement": (Text("closure survey agreement, 1 to 5"), "average"),
    "contacts_overdue": (Text("matches whose staff contact is overdue"), "count"),
    "checkin_completion": (Text("check-ins answered, of those due"), "%"),
    "mood_average": (Text("check-in mood, 1 to 5"), "average"),
    "goals_completed": (Text("goals completed"), "count"),
    "escalations_opened": (Text("escalations opened"), "count"),
    "escalations_resolved": (Text("escalations resolved"), "count"),
    "escalations_open": (Text("escalations still open at the end"), "count"),
    "minutes_to_claim": (Text("median minutes for staff to claim an escalation"), "average"),
    "signups": (Text("sign-ups (mentors and mentees who joined)"), "count"),
    "signups_invited": (Text("sign-ups through an invitation"), "count"),
    "days_to_match_median": (Text("median days from joining to a match"), "average"),
    "days_to_match_longest": (Text("longest days from joining to a match"), "average"),
    "mentees_waiting": (Text("mentees on the waiting list now"), "count"),
    "longest_wait_days": (Text("longest wait so far on the waiting list, in days"), "average"),
}

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_SHAPE = re.compile(r"\s*([a-z0-9_]+)\s*(>=|<=|==|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*(%?)\s*")


@dataclass(frozen=True)
class Objective:
    metric: str
    compare: str
    target: float

    @property
    def text(self) -> str:
        unit = "%" if METRICS[self.metric][1] == "%" else ""
        return f"{self.metric} {self.compare} {self.target:g}{unit}"

    def met(self, value: float | None) -> bool | None:
        """True or False; None when the figure cannot be computed (no data)."""
        return None if value is None else _COMPARE[self.compare](value, self.target)


def parse_objective(text: str) -> Objective:
    """``"attendance_rate >= 90%"`` -> Objective; ValueError says what would be right."""
    match = _SHAPE.fullmatch(text)
    if match is None:
        raise ValueError('expected "metric >= number", like "attendance_rate >= 90%"')
    name, compare, number, percent = match.groups()
    if name not in METRICS:
        raise ValueError(f'unknown metric "{name}"; expected one of {", ".join(METRICS)}')
    if percent and METRICS[name][1] != "%":
        raise ValueError(f"{name} is not a percentage; drop the %")
    return Objective(name, compare, float(number))
