"""When the weekly digest goes out: the user's time zone, the week it sums up, its due moment, the daemon's jobs."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import schedule

from agent.config import DigestSettings
from agent.errors import ConfigError, ReboundError
from agent.week import Week, week_of

if TYPE_CHECKING:
    from agent.delivery import DigestService

log = logging.getLogger(__name__)

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A daemon that was down (or offline) at the hour still sends the week's digest within this long.
CATCH_UP_MINUTES = 15


def digest_zone(name: str | None) -> tzinfo:
    """[digest] timezone, else the machine's own zone, else UTC."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(f"[digest] timezone: unknown time zone {name!r} (use a name like Europe/London)") from None
    env = os.environ.get("TZ", "").lstrip(":")
    try:
        if env:
            return ZoneInfo(env)
        with open("/etc/localtime", "rb") as f:
            return ZoneInfo.from_file(f, key="localtime")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        if env:
            # Said, not swallowed: a container without time zone data would otherwise send at UTC's 18:00.
            log.warning("TZ=%s is not a time zone this machine knows (is tzdata installed?); the digest uses UTC", env)
        return UTC


def week_to_sum_up(now: datetime, zone: tzinfo) -> Week:
    """The week a digest sent now covers: the one holding yesterday, so a Monday send sums up the week just ended."""
    return week_of(now - timedelta(days=1), zone)


def due_at(week: Week, settings: DigestSettings) -> datetime:
    """When a week's digest is due: its configured day and time, counted from the week's Tuesday to the Monday after."""
    offset = (DAYS.index(settings.day) - 1) % 7 + 1
    hour, minute = (int(p) for p in settings.time.split(":"))
    return datetime.combine(week.start.date() + timedelta(days=offset), time(hour, minute), tzinfo=week.zone)


def weekly_scheduler(service: DigestService, scheduler: schedule.Scheduler | None = None) -> schedule.Scheduler:
    """The daemon's digest jobs: at [digest] day and time, and a catch-up check every CATCH_UP_MINUTES."""
    scheduler = scheduler or schedule.Scheduler()
    now = service.clock().astimezone(service.zone)
    upcoming = due_at(week_of(now, service.zone), service.settings.digest)
    # schedule runs on the machine's clock: the configured moment, in the machine's zone.
    local = upcoming.astimezone()
    getattr(scheduler.every(), DAYS[local.weekday()]).at(local.strftime("%H:%M")).do(_guarded, service)
    log.info("weekly digest: %s %s, %s", service.settings.digest.day, service.settings.digest.time, service.zone)
    scheduler.every(CATCH_UP_MINUTES).minutes.do(_guarded, service)
    return scheduler


def _guarded(service: DigestService) -> None:
    # schedule does not catch a job's exceptions: a failed digest is logged and tried again later.
    try:
        service.send_due()
    except ReboundError as exc:
        log.error("weekly digest not sent: %s; trying again within %d minutes", exc, CATCH_UP_MINUTES)
    except Exception:  # a bug must not stop the daemon from watching the mailbox
        log.exception("weekly digest failed; trying again within %d minutes", CATCH_UP_MINUTES)
