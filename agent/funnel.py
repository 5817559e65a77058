"""The digest's figures: applications → responses → interviews → offers, over the weeks Rebound has read.

Only weeks Rebound has mail for count: a user who installed it on Wednesday has one week of data,
and a chart that showed four empty weeks before it would compare the week with nothing. Each
email belongs to the week it arrived in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from agent.applications import Application, median_days_to_response
from agent.week import Week

# The week-by-week rows: this week and at most this many before it.
HISTORY_WEEKS = 4


@dataclass(frozen=True)
class Stage:
    """One stage of the funnel: how many applications reached it, and the share of all applications."""

    key: str
    """applications, responses, interviews, offers"""
    count: int
    percent: int
    bar: int
    """Bar length in percent of the widest bar."""


@dataclass(frozen=True)
class Funnel:
    """The funnel over every week with data, up to the digest's week."""

    since: date | None
    """The Monday of the first week with data; None when there is none."""
    weeks: int
    stages: tuple[Stage, ...]
    median_days: float | None
    """Median days from an acknowledgement to the first answer, over the applications that had both."""


@dataclass(frozen=True)
class WeekRow:
    """What one week brought: new applications, first answers, interview invitations, offers, rejections."""

    start: date
    current: bool
    applications: int
    responses: int
    interviews: int
    offers: int
    rejections: int

    @property
    def values(self) -> tuple[int, int, int, int, int]:
        """The counts in column order."""
        return (self.applications, self.responses, self.interviews, self.offers, self.rejections)


def funnel(week: Week, apps: Sequence[Application], first_arrival: date | None) -> Funnel:
    """The funnel of the applications that started in the weeks with data, as they stood at the week's end."""
    if first_arrival is None:
        return Funnel(None, 0, _stages(0, 0, 0, 0), None)
    first = monday_of(first_arrival)
    stood = [a for a in (app.arrived_by(week.end) for app in apps) if a is not None]
    counts = (len(stood), sum(a.response is not None for a in stood), sum(a.interviewed for a in stood), sum(a.offered for a in stood))
    weeks = max(1, (week.start.date() - first).days // 7 + 1)
    return Funnel(first, weeks, _stages(*counts), median_days_to_response(stood))


def monday_of(day: date) -> date:
    """The Monday of the week holding a day."""
    return date.fromordinal(day.toordinal() - day.weekday())


def _stages(applications: int, responses: int, interviews: int, offers: int) -> tuple[Stage, ...]:
    widest = max(1, applications)
    out = []
    for key, n in (("applications", applications), ("responses", responses), ("interviews", interviews), ("offers", offers)):
        out.append(Stage(key, n, round(100 * n / applications) if applications else 0, round(100 * n / widest)))
    return tuple(out)


def week_rows(week: Week, apps: Sequence[Application], first_arrival: date | None) -> tuple[WeekRow, ...]:
    """This week and the weeks before it that Rebound has data for (at most HISTORY_WEEKS of them), oldest first."""
    if first_arrival is None:
        return ()
    rows = []
    for n in range(HISTORY_WEEKS, -1, -1):
        w = week.shifted(-n)
        if w.last_day < first_arrival:
            continue
        started = [a for a in apps if w.holds(a.applied)]
        answered = [a for a in apps if (r := a.response) is not None and r.received is not None and w.holds(r.received)]
        emails = [e for a in apps for e in a.emails if e.received is not None and w.holds(e.received)]
        rows.append(
            WeekRow(
                w.start.date(),
                n == 0,
                len(started),
                len(answered),
                sum(e.label == "interview" for e in emails),
                sum(e.label == "offer" for e in emails),
                sum(e.label == "rejection" for e in emails),
            )
        )
    return tuple(rows)
