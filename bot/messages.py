"""The bot's texts, as Telegram HTML. Every piece of data is escaped; every message stays
under Telegram's 4096 characters and 100 entities."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from mediamon.analysis.divergence import Verdict, account
from mediamon.config import Config
from mediamon.store import CrawlRun, EventDetails, SourceHealth
from mediamon.subscriptions import Settings

LIMIT = 4000  # below 4096, leaving room for a closing line
QUOTES_PER_SIDE = 3
QUOTE_CHARS = 280
LINKS = 8


def welcome(config: Config, settings: Settings) -> str:
    a, b = (side.label for side in config.sides.values())
    return (
        f"<b>mediamon</b> follows the contacts between {escape(a)} and {escape(b)}: calls, "
        f"meetings and visits, as each government reports them and as the press covers them. "
        f"It tells you when the two official accounts differ, and how.\n\n"
        f"You are subscribed: {escape(describe(settings))}.\n"
        f"/settings changes that, /latest shows recent contacts, /stop unsubscribes."
    )


def describe(settings: Settings) -> str:
    digest = {
        "daily": f"a daily digest at {settings.digest_hour:02d}:00 {settings.timezone}",
        "weekly": (
            f"a weekly digest on Mondays at {settings.digest_hour:02d}:00 {settings.timezone}"
        ),
        "off": "no digest",
    }[settings.digest]
    alerts = (
        "instant alerts when the two sides' accounts diverge"
        if settings.instant
        else "no instant alerts"
    )
    return f"{digest} plus {alerts}" if settings.instant else f"{digest}, {alerts}"


GOODBYE = "Unsubscribed: no more digests or alerts here. Tap below to come back at any time."
NOT_SUBSCRIBED = "This chat was not subscribed. /start subscribes it."
NOT_ALLOWED = "Not allowed."
APOLOGY = "Sorry, something went wrong on our side. The team has been told."


def help_text(is_admin: bool) -> str:
    lines = [
        "<b>mediamon</b> compares how two governments describe their contacts.",
        "",
        "/start: subscribe this chat",
        "/stop: unsubscribe",
        "/settings: alerts, digest time and time zone, quiet hours",
        "/latest: recent contacts, diverging first",
        "/event &lt;id&gt;: one contact side by side",
        "/sources: where the news comes from, and its health",
        "/status: last and next crawl, counts",
        "/help: this list",
    ]
    if is_admin:
        lines += ["", "Admins: /stats, /crawl"]
    return "\n".join(lines)


def usage(command: str, hint: str) -> str:
    return f"Usage: {escape(command)} {escape(hint)}"


def settings_text(settings: Settings) -> str:
    quiet = f"{settings.quiet[0]:02d}:00–{settings.quiet[1]:02d}:00" if settings.quiet else "off"
    return (
        "<b>Settings</b>\n"
        f"Instant alerts: {'on' if settings.instant else 'off'}\n"
        f"Digest: {settings.digest}, at {settings.digest_hour:02d}:00\n"
        f"Time zone: {escape(settings.timezone)}\n"
        "Contacts where the sides agree: "
        f"{'included' if settings.include_agreeing else 'left out'}\n"
        f"Quiet hours: {quiet}\n\n"
        "Tap to change. Any time zone: /settings timezone Area/City"
    )


def verdict_mark(verdict: Verdict) -> str:
    if verdict.diverging:
        return "⚠️"
    return "✅" if not verdict.summary.startswith(("Only", "Neither")) else "⏳"


def event_title(event: EventDetails, config: Config) -> str:
    people = " – ".join(
        _surname(n) for side in config.sides for n in event.participants.get(side, [])[:2]
    )
    return f"{event.date:%d %b %Y} · {event.kind} · {people or 'contact'}"


def latest(events: Sequence[tuple[EventDetails, Verdict]], config: Config) -> str:
    if not events:
        return "No contacts found yet. The crawler checks the sources on a schedule."
    lines = ["<b>Latest contacts</b> (diverging first)"]
    for number, (event, verdict) in enumerate(events, 1):
        lines.append(f"{number}. {verdict_mark(verdict)} {escape(event_title(event, config))}")
    lines.append("\nTap a number to open it.")
    return "\n".join(lines)


def event_view(event: EventDetails, verdict: Verdict, config: Config) -> str:
    """The side-by-side view of one contact."""
    people = ", ".join(n for side in config.sides for n in event.participants.get(side, []))
    parts = [
        f"<b>{escape(event.kind.capitalize())} · {event.date:%d %B %Y}</b>",
        escape(people) if people else "",
        f"{verdict_mark(verdict)} <i>{escape(verdict.summary)}</i>",
    ]
    for side_id, side in config.sides.items():
        quotes = account(event, side_id)[1:][:QUOTES_PER_SIDE] or account(event, side_id)[:1]
        if quotes:
            parts.append(f"\n<b>{escape(side.label)} said</b>")
            parts += [f"• {escape(_clip(q))}" for q in quotes]
        else:
            parts.append(f"\n<b>{escape(side.label)}</b>: no account yet")
    for side_id, side in config.sides.items():
        if verdict.only.get(side_id):
            parts.append(
                f"<b>Only {escape(side.label)}:</b> {escape(', '.join(verdict.only[side_id]))}"
            )
    if verdict.shared:
        parts.append(f"<b>Both:</b> {escape(', '.join(verdict.shared))}")
    official = [a for a in event.articles if a.official][:LINKS]
    # a wire story republished elsewhere counts once
    originals = [a for a in event.articles if not a.official and not a.duplicate]
    copies = sum(1 for a in event.articles if not a.official and a.duplicate)
    press = originals[: max(0, LINKS - len(official))]
    if official:
        parts.append("\nReadouts: " + ", ".join(_link(a.url, a.source) for a in official))
    if press:
        more = len(originals) - len(press)
        parts.append(
            "Press: "
            + ", ".join(_link(a.url, a.source) for a in press)
            + (f" (+{more} more)" if more > 0 else "")
            + (f" (+{copies} republished)" if copies else "")
        )
    parts.append(f"\n<code>{escape(event.id)}</code>")
    return fit("\n".join(p for p in parts if p is not None))


def sources_text(health: Sequence[SourceHealth]) -> str:
    lines = ["<b>Sources</b>"]
    for h in health:
        state = "❌" if h.consecutive_failures else ("✅" if h.last_success else "·")
        line = f"{state} {escape(h.name)}: {h.articles} articles"
        if h.consecutive_failures:
            line += f", failing ×{h.consecutive_failures}: {escape(_clip(h.last_error or '', 90))}"
        elif h.last_success:
            line += f", ok {h.last_success:%d %b %H:%M} UTC"
        lines.append(line)
    return fit("\n".join(lines))


def status_text(last: CrawlRun | None, next_crawl: datetime | None, counts: dict[str, int]) -> str:
    lines = ["<b>Status</b>"]
    if last is None:
        lines.append("Last crawl: none yet")
    else:
        lines.append(
            f"Last crawl: {last.started:%d %b %H:%M} UTC, {last.status}; {last.new_articles} new "
            f"articles; {last.sources_ok} sources ok, {last.sources_failed} failed"
        )
    lines.append(
        f"Next crawl: {next_crawl:%d %b %H:%M %Z}" if next_crawl else "Next crawl: not scheduled"
    )
    lines.append(
        f"Stored: {counts['articles']} articles, {counts['relevant']} about contacts, "
        f"{counts['events']} contacts"
    )
    lines.append(f"Subscribers: {counts['subscribers']}")
    return "\n".join(lines)


def stats_text(
    counts: dict[str, int], chat_types: dict[str, int], outbox: dict[str, int] | None = None
) -> str:
    kinds = ", ".join(f"{n} {escape(kind)}" for kind, n in sorted(chat_types.items())) or "none"
    return (
        "<b>Stats</b>\n"
        f"Subscribers: {counts['subscribers']} ({kinds}); paused: {counts['paused']}\n"
        f"Sources: {counts['sources']}, failing: {counts['failing']}\n"
        f"Articles: {counts['articles']}, about contacts: {counts['relevant']}, "
        f"contacts: {counts['events']}"
        + (
            f"\nDeliveries: {outbox['sent']} sent, {outbox['pending']} waiting, "
            f"{outbox['dropped']} failed"
            if outbox is not None
            else ""
        )
    )


def error_report(error: BaseException, where: str) -> str:
    return (
        f"⚠️ <b>mediamon error</b> in {escape(where)}\n"
        f"<code>{escape(type(error).__name__)}: {escape(_clip(str(error), 500))}</code>"
    )


def fit(text: str) -> str:
    """Cut a long message at a line break, never inside a tag."""
    if len(text) <= LIMIT:
        return text
    cut = text.rfind("\n", 0, LIMIT - 20)
    return text[: cut if cut > 0 else LIMIT - 20] + "\n…"


def _link(url: str, label: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{escape(label)}</a>'


def _clip(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _surname(name: str) -> str:
    return name.split()[-1]
