"""Groups contact reports into events: one contact, however many outlets and languages.

A report joins an event when their dates are at most `event_window_days` apart, their
kinds are compatible (a "conversation" can be a call; a visit is met with meetings) and,
for each side where both name people, they share one. Two calls between the same leaders
days apart stay two events. Only events near the report's date are looked at, so the
cost of placing a report does not grow with the size of the store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from mediamon.analysis.relevance import ContactReport
from mediamon.store import EventRecord

_COMPATIBLE = {frozenset({"meeting", "visit"})}


# "other" and "message" say little about how the leaders spoke ("congratulated", "told")
_VAGUE = {"other", "message"}


def compatible_kinds(a: str, b: str) -> bool:
    return a == b or bool(_VAGUE & {a, b}) or frozenset({a, b}) in _COMPATIBLE


def matching_event(
    report: ContactReport, candidates: Sequence[EventRecord], window_days: int
) -> EventRecord | None:
    """The candidate this report belongs to: nearest in date, then most people shared."""
    best: tuple[int, int, EventRecord] | None = None
    for event in candidates:
        distance = abs((event.date - report.date).days)
        if distance > window_days or not compatible_kinds(event.kind, report.kind):
            continue
        shared = 0
        for side, names in report.participants.items():
            known = event.participants.get(side) or []
            if names and known:
                overlap = len(set(names) & set(known))
                if not overlap:
                    break
                shared += overlap
        else:
            if best is None or (distance, -shared) < (best[0], -best[1]):
                best = (distance, shared, event)
    return best[2] if best else None


def merge(event: EventRecord, report: ContactReport, official: bool) -> EventRecord:
    """The event after one more report: people added, a vague kind made precise, and the
    date taken from an official readout, which is written on the day."""
    participants = {side: list(names) for side, names in event.participants.items()}
    for side, names in report.participants.items():
        known = participants.setdefault(side, [])
        known.extend(name for name in names if name not in known)
    kind = report.kind if event.kind in _VAGUE and report.kind not in _VAGUE else event.kind
    day = report.date if official and report.dated_explicitly else event.date
    return EventRecord(event.id, day, kind, participants)


def new_event(
    report: ContactReport, side_order: Sequence[str], taken: Callable[[str], set[str]]
) -> EventRecord:
    """A new event with a readable, stable id: 2023-12-10-call-netanyahu-putin."""
    names = [name for side in side_order for name in report.participants.get(side, ())][:3]
    slug = "-".join(_slug(name.split()[-1]) for name in names) or "contact"
    base = f"{report.date:%Y-%m-%d}-{report.kind}-{slug}"
    existing = taken(base)
    event_id, number = base, 1
    while event_id in existing:
        number += 1
        event_id = f"{base}-{number}"
    participants = {side: list(report.participants.get(side, ())) for side in side_order}
    return EventRecord(event_id, report.date, report.kind, participants)


def _slug(word: str) -> str:
    ascii_word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_word.lower()) or "x"
