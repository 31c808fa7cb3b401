"""Delivers the outbox to Telegram, as dependably as email.

A message is marked sent only after Telegram accepted it, so a process killed in the
middle of a broadcast resends at most the one message in flight when it restarts. Pacing:
at most `GLOBAL_RATE` messages a second overall, one a second per private chat, twenty a
minute per group or channel, with several sends in flight so Telegram's round trip does
not eat into the rate. A 429 holds that chat for the `retry_after` Telegram asks for and
retries (a burst of 429s holds every chat);
a blocked bot or a vanished chat pauses the subscriber; a group that became a supergroup
is followed to its new id; network errors retry with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from mediamon.config import Config
from mediamon.store import OutboxItem, Store, utcnow

log = logging.getLogger(__name__)

GLOBAL_RATE = 25.0  # messages per second, under Telegram's ~30
PRIVATE_GAP = 1.0  # seconds between two messages to one private chat
GROUP_GAP = 3.0  # 20 a minute to a group or channel
MAX_BACKOFF = 300.0
IN_FLIGHT = 8  # sends awaiting Telegram's answer at once
BURST, BURST_WINDOW = 3, 1.0  # this many 429s within this many seconds pause everyone


class Pacer:
    """Books send slots: a global rate and a per-chat gap (groups and channels have negative
    ids). A slot is booked when a send starts, so several sends can be in flight at once."""

    def __init__(
        self, rate: float = GLOBAL_RATE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self.next_global = 0.0
        self.next_chat: dict[int, float] = {}
        self.recent_429s: list[float] = []

    def book(self, chat_id: int) -> float:
        """Seconds until this chat may get its next message; that slot is taken."""
        now = self.clock()
        start = max(now, self.next_chat.get(chat_id, 0.0))
        self.next_chat[chat_id] = start + (GROUP_GAP if chat_id < 0 else PRIVATE_GAP)
        return start - now

    def take_global(self) -> float:
        """Seconds until the next of the bot's overall slots; that slot is taken."""
        now = self.clock()
        start = max(now, self.next_global)
        self.next_global = start + self.interval
        return start - now

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said wait: that chat waits; a burst of 429s stops the whole bot."""
        now = self.clock()
        self.next_chat[chat_id] = max(self.next_chat.get(chat_id, 0.0), now + seconds)
        self.recent_429s = [t for t in self.recent_429s if now - t < BURST_WINDOW] + [now]
        if len(self.recent_429s) >= BURST:
            self.next_global = max(self.next_global, now + seconds)


class Delivery:
    def __init__(
        self, bot: Bot, store: Store, pacer: Pacer | None = None, in_flight: int = IN_FLIGHT
    ) -> None:
        self.bot = bot
        self.store = store
        self.pacer = pacer or Pacer()
        self.in_flight = asyncio.Semaphore(in_flight)
        self.sent = 0
        self.failed = 0

    async def run(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        """Deliver until `stop` is set, checking the outbox again every `idle` seconds."""
        while not stop.is_set():
            delivered = await self.drain(stop)
            if not delivered:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle)

    async def drain(self, stop: asyncio.Event | None = None) -> int:
        """Send everything due now; returns how many messages went out. Chats are served
        side by side; one chat's messages go out in order."""
        count = 0
        while not (stop and stop.is_set()):
            due = self.store.due(utcnow(), limit=1000)
            if not due:
                break
            by_chat: dict[int, list[OutboxItem]] = {}
            for item in due:
                by_chat.setdefault(item.chat_id, []).append(item)
            results = await asyncio.gather(*(self._chat(items, stop) for items in by_chat.values()))
            count += sum(results)
            if not sum(results):
                break  # everything due was put off (retries later): not a busy loop
        return count

    async def _chat(self, items: list[OutboxItem], stop: asyncio.Event | None) -> int:
        sent = 0
        for item in items:
            if stop and stop.is_set():
                break
            sent += await self.deliver(item)
        return sent

    async def deliver(self, item: OutboxItem) -> int:
        chat_id = item.chat_id
        while True:
            wait = self.pacer.book(chat_id)  # the chat's own pace first, then the bot's
            if wait > 0:
                await asyncio.sleep(wait)
            wait = self.pacer.take_global()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                async with self.in_flight:
                    await self.bot.send_message(
                        chat_id,
                        item.text,
                        parse_mode=ParseMode.HTML,
                        message_thread_id=item.thread_id,
                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                    )
            except RetryAfter as exc:
                self.pacer.hold(chat_id, _seconds(exc.retry_after))
                continue  # never dropped: wait as asked and send again
            except ChatMigrated as exc:
                self.store.migrate_chat(chat_id, exc.new_chat_id, utcnow())
                chat_id = exc.new_chat_id
                continue
            except Forbidden as exc:
                self._pause(item, chat_id, "blocked", exc)
                return 0
            except BadRequest as exc:
                if "chat not found" in str(exc).lower():
                    self._pause(item, chat_id, "not found", exc)
                else:  # our message is at fault: retrying will not help
                    self.store.drop(item.id, f"rejected: {exc}")
                    self.failed += 1
                    log.error("Telegram rejected message %s: %s", item.key, exc)
                return 0
            except (TimedOut, NetworkError) as exc:
                delay = min(MAX_BACKOFF, 2.0 ** (item.attempts + 1))
                self.store.retry(item.id, utcnow() + timedelta(seconds=delay), str(exc))
                return 0
            self.store.delivered(item.id, utcnow())
            self.sent += 1
            return 1

    def _pause(self, item: OutboxItem, chat_id: int, reason: str, exc: Exception) -> None:
        self.store.pause(chat_id, reason, utcnow())
        self.store.drop(item.id, f"{reason}: {exc}")
        self.failed += 1


def _seconds(retry_after: object) -> float:
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)  # type: ignore[arg-type]


def send_now(config: Config, store: Store) -> int:
    """Deliver everything due, then return (`mediamon digest --now --send`)."""
    from bot.app import bot_token

    async def send() -> int:
        async with Bot(bot_token(), base_url=config.telegram.api_base_url) as bot:
            return await Delivery(bot, store).drain()

    return asyncio.run(send())
