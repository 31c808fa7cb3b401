"""The built-in scheduler of `mediamon run` (APScheduler 3.11): crawls on `schedule.crawl`,
each in a `mediamon crawl` subprocess (Scrapy's reactor runs once per process; the crawl
lock keeps two from overlapping); digests on `schedule.digest`, and hourly for subscribers
whose own hour and time zone say it is time. A run missed while the machine slept runs
once when it wakes (coalesced), not once per missed slot.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.digest import digest_due, queue_digests
from mediamon.analysis.divergence import Comparer
from mediamon.config import Config
from mediamon.store import Store, utcnow
from mediamon.subscriptions import Settings, Subscriber

log = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]+>")


class Jobs:
    def __init__(self, config: Config, store: Store, *, print_instead: bool = False) -> None:
        self.config = config
        self.store = store
        self.comparer = Comparer(config)
        self.print_instead = print_instead  # no token: show what would be sent
        self.scheduler: AsyncIOScheduler | None = None

    def start(self) -> AsyncIOScheduler:
        schedule = self.config.schedule
        zone = ZoneInfo(schedule.timezone)
        scheduler = AsyncIOScheduler(
            timezone=zone,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
        )
        scheduler.add_job(
            self.crawl, CronTrigger.from_crontab(schedule.crawl, timezone=zone), id="crawl"
        )
        scheduler.add_job(
            self.scheduled_digests,
            CronTrigger.from_crontab(schedule.digest, timezone=zone),
            id="digest",
        )
        scheduler.add_job(
            self.personal_digests, CronTrigger(minute=0, timezone=zone), id="personal-digests"
        )
        scheduler.start()
        self.scheduler = scheduler
        return scheduler

    async def crawl(self) -> str:
        """One crawl in a subprocess; it queues alerts itself."""
        line = await crawl_in_subprocess(self.config)
        log.info("%s", line)
        self.flush_printed()
        return line

    async def scheduled_digests(self) -> int:
        """Subscribers who kept the default hour and zone get theirs on `schedule.digest`."""
        default = Settings()
        chosen = [
            s
            for s in self.store.subscribers(receiving=True)
            if s.settings.digest != "off"
            and (s.settings.digest_hour, s.settings.timezone)
            == (default.digest_hour, default.timezone)
        ]
        return self._queue(chosen, utcnow())

    async def personal_digests(self) -> int:
        now = utcnow()
        chosen = [s for s in self.store.subscribers(receiving=True) if digest_due(s, now)]
        return self._queue(chosen, now)

    def _queue(self, subscribers: list[Subscriber], now: datetime) -> int:
        queued = queue_digests(self.store, self.config, self.comparer, now, subscribers)
        self.flush_printed()
        return queued

    def flush_printed(self) -> None:
        """Without a token, every queued message is printed instead of sent."""
        if self.print_instead:
            print_outbox(self.store)


async def crawl_in_subprocess(config: Config) -> str:
    """Run `mediamon crawl` (Scrapy's reactor runs once per process) and return its summary
    line, or its last word on stderr (for instance: another crawl is running)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mediamon",
        "--config",
        str(config.path),
        "crawl",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    text = stdout.decode(errors="replace").strip() or stderr.decode(errors="replace").strip()
    lines = text.splitlines()
    return lines[-1] if lines else f"crawl ended with status {process.returncode}"


def print_outbox(store: Store) -> int:
    printed = 0
    for item in store.due(utcnow(), limit=10_000):
        text = html.unescape(_TAG.sub("", item.text))
        print(f"--- {item.kind} for chat {item.chat_id} (would be sent; no TELEGRAM_BOT_TOKEN) ---")
        print(text, flush=True)
        store.delivered(item.id, utcnow())
        printed += 1
    return printed
