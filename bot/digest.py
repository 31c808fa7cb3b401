"""What gets sent: instant alerts when an event's accounts diverge, and digests of what a
subscriber has not yet received. Both are written to the outbox first (idempotent keys),
and delivered by `bot.delivery`. No Telegram here: `mediamon crawl` queues alerts too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import messages
from mediamon.analysis.divergence import Comparer, Verdict
from mediamon.config import Config
from mediamon.store import EventDetails, Store
from mediamon.subscriptions import Subscriber

ALERT_WINDOW = timedelta(days=3)  # older events never cause an instant alert
FIRST_DIGEST = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "off": timedelta(days=1)}
MAX_CHARS = 4000
MAX_ENTITIES = 90
_ENTITY = re.compile(r"<(?:b|i|a|code|u|s|pre|blockquote)[\s>]")


def signature(verdict: Verdict) -> str:
    """What an alert is about: a new verdict gets a new alert, the same one never."""
    basis = repr(
        (
            verdict.diverging,
            sorted(verdict.kinds),
            sorted((k, sorted(v)) for k, v in verdict.only.items()),
        )
    )
    return hashlib.sha256(basis.encode()).hexdigest()[:12]


def in_quiet_hours(subscriber: Subscriber, now: datetime) -> datetime | None:
    """When the subscriber's quiet hours end, if `now` falls inside them."""
    quiet = subscriber.settings.quiet
    if not quiet:
        return None
    local = now.astimezone(ZoneInfo(subscriber.settings.timezone))
    start, end = quiet
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return None
    ends = datetime.combine(local.date(), time(end), local.tzinfo)
    if ends <= local:
        ends += timedelta(days=1)
    return ends


def queue_alerts(store: Store, config: Config, comparer: Comparer, now: datetime) -> int:
    """An alert for every recent event whose accounts diverge, to each subscriber who
    wants instant alerts; a verdict already alerted is never queued again."""
    recent = [
        e
        for e in store.events(updated_since=now - ALERT_WINDOW)
        if e.first_seen >= now - ALERT_WINDOW
    ]
    subscribers = [s for s in store.subscribers(receiving=True) if s.settings.instant]
    queued = 0
    for event in recent:
        verdict = comparer.compare(event)
        if not verdict.diverging:
            continue
        text = alert_text(event, verdict, config)
        for subscriber in subscribers:
            key = f"alert:{subscriber.chat_id}:{event.id}:{signature(verdict)}"
            later = in_quiet_hours(subscriber, now)
            queued += store.enqueue(
                key, subscriber.chat_id, subscriber.thread_id, "alert", text, now, later
            )
    return queued


def alert_text(event: EventDetails, verdict: Verdict, config: Config) -> str:
    return messages.fit(
        "⚠️ <b>The accounts differ</b>\n" + messages.event_view(event, verdict, config)
    )


def digest_due(subscriber: Subscriber, now: datetime) -> bool:
    """Is it the subscriber's digest hour (and, for weekly digests, Monday) where they live?"""
    settings = subscriber.settings
    if settings.digest == "off":
        return False
    local = now.astimezone(ZoneInfo(settings.timezone))
    return local.hour == settings.digest_hour and (
        settings.digest == "daily" or local.weekday() == 0
    )


def queue_digest(
    store: Store,
    config: Config,
    comparer: Comparer,
    subscriber: Subscriber,
    now: datetime,
    period: str,
) -> int:
    """The subscriber's digest of everything new since the last one, split into messages;
    nothing new, no message. Returns how many messages were queued."""
    since = (
        store.digested_until(subscriber.chat_id) or now - FIRST_DIGEST[subscriber.settings.digest]
    )
    events = store.events(updated_since=since)
    judged = [(event, comparer.compare(event)) for event in events]
    diverging = [(e, v) for e, v in judged if v.diverging]
    agreeing = (
        [(e, v) for e, v in judged if not v.diverging]
        if subscriber.settings.include_agreeing
        else []
    )
    failing = [h for h in store.source_health() if h.consecutive_failures >= 3]
    if not diverging and not agreeing:
        return 0
    blocks = [messages.event_view(e, v, config) for e, v in diverging + agreeing]
    header = f"<b>mediamon digest</b>: {len(diverging)} diverging, {len(agreeing)} agreeing"
    if failing:
        names = ", ".join(messages.escape(h.name) for h in failing[:5])
        blocks.append(f"<i>Sources failing for a while: {names}</i>")
    queued = 0
    for number, text in enumerate(split([header, *blocks])):
        key = f"digest:{subscriber.chat_id}:{period}:{number}"
        queued += store.enqueue(key, subscriber.chat_id, subscriber.thread_id, "digest", text, now)
    store.digested(subscriber.chat_id, now)
    return queued


def queue_digests(
    store: Store,
    config: Config,
    comparer: Comparer,
    now: datetime,
    subscribers: Iterable[Subscriber] | None = None,
    period: str | None = None,
) -> int:
    chosen = store.subscribers(receiving=True) if subscribers is None else subscribers
    total = 0
    for subscriber in chosen:
        if subscriber.settings.digest == "off":
            continue
        local = now.astimezone(ZoneInfo(subscriber.settings.timezone))
        total += queue_digest(
            store, config, comparer, subscriber, now, period or f"{local:%Y-%m-%d}"
        )
    return total


def split(blocks: Sequence[str]) -> list[str]:
    """Pack blocks into messages under Telegram's limits, breaking only between blocks."""
    out: list[str] = []
    current = ""
    for block in blocks:
        block = messages.fit(block)
        candidate = f"{current}\n\n{block}" if current else block
        if current and (len(candidate) > MAX_CHARS or _entities(candidate) > MAX_ENTITIES):
            out.append(current)
            candidate = block
        current = candidate
    if current:
        out.append(current)
    return out


def _entities(text: str) -> int:
    return len(_ENTITY.findall(text))
