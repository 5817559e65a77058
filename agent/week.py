"""Weeks as the digest counts them: Monday 00:00 to Monday 00:00 in the user's time zone, named by ISO week."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class Week:
    """Monday 00:00 up to the next Monday 00:00, in the user's time zone."""

    start: datetime

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 (not part of the week)."""
        return _midnight(self.start.date() + timedelta(days=7), self.zone)

    @property
    def zone(self) -> tzinfo:
        """The user's time zone, which the week is counted in."""
        assert self.start.tzinfo is not None
        return self.start.tzinfo

    @property
    def label(self) -> str:
        """The ISO week, e.g. 2026-W48."""
        year, week, _ = self.start.date().isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def last_day(self) -> date:
        """The Sunday."""
        return self.start.date() + timedelta(days=6)

    def shifted(self, weeks: int) -> Week:
        """The week this many weeks later (earlier when negative)."""
        return Week(_midnight(self.start.date() + timedelta(weeks=weeks), self.zone))

    def holds(self, moment: datetime) -> bool:
        """Whether an aware moment falls inside the week."""
        return self.start.astimezone(UTC) <= moment.astimezone(UTC) < self.end.astimezone(UTC)


def _midnight(day: date, zone: tzinfo) -> datetime:
    # Built from the date, not by adding hours, so a DST change inside the week keeps Monday at 00:00.
    return datetime.combine(day, time(), tzinfo=zone)


def week_of(moment: datetime, zone: tzinfo) -> Week:
    """The week holding this moment."""
    day = moment.astimezone(zone).date()
    return Week(_midnight(day - timedelta(days=day.weekday()), zone))


def parse_week(text: str, zone: tzinfo) -> Week:
    """An ISO week written YYYY-Www."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a week like 2026-W48")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"{match[1]} has no week {match[2]}") from None
    return Week(_midnight(monday, zone))
