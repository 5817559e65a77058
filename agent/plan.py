"""The digest's plan: a few next steps, each about something named, chosen by rules from what happened.

Steps carry data only (what kind of step, about whom, until when); the words are the templates'
(templates/<lang>/digest_steps.j2), written whole in each language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from agent.config import GoalSettings
from agent.records import ThemeMention

# More steps than this read as a to-do list, not a plan.
MAX_STEPS = 6
# Feedback themes that lead the plan: the recurring ones (two employers or more), at most this many.
MAX_RECURRING = 2
# Themes said by one employer only: the newest of them, at most this many.
MAX_SINGLE = 1


@dataclass(frozen=True)
class Item:
    """Something a step is about: an employer (or the sender, when the employer is unknown), with its day."""

    company: str
    sender: str = ""
    role: str = ""
    day: date | None = None
    kind: str = ""
    """For an interview or assessment: 'appointment', 'options' or 'deadline' (see agent/classifier/dates.py)."""
    days: int = 0
    """For a follow-up: days since the application was acknowledged."""


@dataclass(frozen=True)
class Theme:
    """What feedback pointed to, and who said it: the running tally behind one step."""

    theme: str
    detail: str
    """The skill's name, for a named skill."""
    employers: tuple[Item, ...]
    quotes: tuple[tuple[str, str], ...]
    """(employer as shown, the sentence it was read from): one per employer, in the employer's words."""
    language: str
    """The language of the newest feedback."""


@dataclass(frozen=True)
class Step:
    """One next step: its kind names the template block that words it."""

    kind: str
    items: tuple[Item, ...] = ()
    theme: Theme | None = None
    by: date | None = None
    """Until when (SMART: time-bound)."""
    count: float = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """The employers the step is about, as shown."""
        return tuple(i.company or i.sender for i in self.items)


@dataclass(frozen=True)
class Situation:
    """What the week left to act on, as the plan's rules see it."""

    themes: Sequence[Theme]
    offers: Sequence[Item]
    interviews: Sequence[Item]
    assessments: Sequence[Item]
    unsent: Sequence[Item]
    follow_ups: Sequence[Item]
    replies: Sequence[Item]
    unanswered: Sequence[Item]
    late_rejections: Sequence[Item]
    early_rejections: Sequence[Item]
    applications: int
    hard: bool
    by: date


def tally(mentions: Sequence[ThemeMention]) -> list[Theme]:
    """Themes by how many employers named them (a named skill is its own theme), most first, then newest first."""
    groups: dict[tuple[str, str], list[ThemeMention]] = defaultdict(list)
    for m in mentions:
        groups[(m.theme, m.detail.lower() if m.theme == "skill" else "")].append(m)
    themes = []
    for (theme, _), said in groups.items():
        employers: dict[str, Item] = {}
        quotes: dict[str, tuple[str, str]] = {}
        for m in sorted(said, key=lambda m: m.received):
            key = (m.company or m.sender).lower()
            employers.setdefault(key, Item(m.company, m.sender, day=m.received.date()))
            quotes.setdefault(key, (m.company, m.evidence))
        newest = max(said, key=lambda m: m.received)
        # "Kubernetes" over "kubernetes": the spelling with the most capitals is how the name is written.
        detail = max((m.detail for m in said), key=lambda d: sum(c.isupper() for c in d))
        found = Theme(theme, detail, tuple(employers.values()), tuple(q for q in quotes.values() if q[1]), newest.language)
        themes.append((len(employers), newest.received, found))
    themes.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [t for _, _, t in themes]


def next_steps(now: Situation, goals: GoalSettings) -> list[Step]:
    """The plan, most useful first: what employers keep saying, then what is dated, then the rest."""
    steps: list[Step] = []
    recurring = [t for t in now.themes if len(t.employers) >= 2][:MAX_RECURRING]
    single = [t for t in now.themes if len(t.employers) == 1][:MAX_SINGLE]
    steps += [Step("theme", theme=t, by=now.by) for t in recurring]
    if now.offers:
        steps.append(Step("offer", tuple(now.offers)))
    if now.interviews:
        steps.append(Step("interview", tuple(now.interviews)))
    if now.assessments:
        steps.append(Step("assessment", tuple(now.assessments)))
    if now.hard:
        steps.append(Step("rest"))
    if now.unsent:
        steps.append(Step("thank", tuple(now.unsent)))
    if now.follow_ups:
        steps.append(Step("follow_up", tuple(now.follow_ups)))
    steps += [Step("theme", theme=t, by=now.by) for t in single]
    answered_with_themes = {e.company.lower() for t in now.themes for e in t.employers}
    replies = [r for r in now.replies if r.company.lower() not in answered_with_themes]
    if replies:
        steps.append(Step("replies", tuple(replies)))
    if now.unanswered:
        steps.append(Step("nudge", tuple(now.unanswered)))
    if now.late_rejections:
        steps.append(Step("practice", tuple(now.late_rejections)))
    if len(now.early_rejections) >= 2:
        steps.append(Step("materials", tuple(now.early_rejections)))
    if not now.applications:
        steps.append(Step("apply", count=goals.applications_per_week or 0))
    if goals.networking_contacts_per_week:
        steps.append(Step("network", count=goals.networking_contacts_per_week))
    if goals.learning_hours_per_week:
        steps.append(Step("learn", count=goals.learning_hours_per_week))
    if not steps:
        steps.append(Step("rhythm"))
    return steps[:MAX_STEPS]
