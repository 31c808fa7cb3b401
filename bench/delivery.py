"""Delivery benchmark: how close does `bot.delivery` come to its own rate limit, and does
every subscriber get exactly one copy when Telegram answers 429 now and then?

Subscribes N private chats in a temporary SQLite store, queues one HTML digest of about
1,500 characters for each in the outbox, and drains the outbox with the real
python-telegram-bot client (`Delivery(bot, store).drain()`) against the loopback fake Bot
API (`tests.fakes.telegram.FakeTelegram`), which answers every K-th sendMessage with
"429 Too Many Requests, retry_after S". It prints:

- messages delivered, the time `drain()` took, messages/s, and that rate against the
  configured limit (`bot.delivery.GLOBAL_RATE`), and how many 429s were answered;
- the steady pace (median gap between two accepted sends) and the round trip of one
  `send_message` with and without tracemalloc;
- lost subscribers (no accepted copy), duplicate copies, and the outbox counts afterwards
  (pending must be 0);
- peak memory of the delivering process: the Python heap during delivery (tracemalloc)
  and the maximum resident set size (ru_maxrss).

The fake server runs in a child process, as Telegram would be elsewhere: so the memory
figures are the delivery side's alone, and tracemalloc (which makes every allocation
several times dearer) slows only the client, not the server too. It still costs the
client a few milliseconds a message; the round-trip line shows how much.

Exits with status 1 if a subscriber was lost, got a duplicate, or a message is still pending.

    .venv/bin/python bench/delivery.py --subscribers 1000
    .venv/bin/python bench/delivery.py --subscribers 200 --every 0   # no 429s

With the defaults (25 messages/s, a 429 of 1 s on every 50th send) 1000 subscribers take
about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import logging
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import telegram
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.delivery import GLOBAL_RATE, Delivery, Pacer  # noqa: E402
from mediamon.store import Store, utcnow  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

FIRST_CHAT = 10_000
PROBE_CHAT = 9_999  # not a subscriber: the round-trip probes go here, after the count
PROBE_SENDS = 40
MiB = 1024 * 1024

# (title, Israeli readout, Russian readout, what differs, link, coverage)
ITEMS = (
    (
        "Phone call between the prime minister and the president",
        "The Israeli readout speaks of regional security and the return of hostages.",
        "The Russian readout stresses the humanitarian situation & a political settlement.",
        "Only one side mentions hostages; only the other mentions a settlement.",
        "https://www.gov.il/en/departments/news/call-readout?id=4817&lang=en",
        "2 official readouts, 6 press articles",
    ),
    (
        "Deputy foreign ministers meet in Moscow",
        "A short note: consultations on bilateral matters in a “friendly atmosphere”.",
        "A longer text lists Syria, Iran's nuclear programme and consular issues.",
        "Syria and Iran appear in one account only.",
        "https://mid.ru/en/foreign_policy/news/meeting?item=1902&print=1",
        "2 official readouts, 3 press articles",
    ),
    (
        "Ambassador summoned over remarks at the UN",
        "Not reported by the Israeli side so far.",
        'The ministry says the ambassador was told the remarks were "unacceptable".',
        "One-sided: only one government has published an account.",
        "https://mid.ru/en/press_service/summons?id=77&lang=en",
        "1 official readout, 4 press articles",
    ),
)


def digest_text(subscriber: int) -> str:
    """A digest like the ones `bot.digest` writes, in our own words, escaped for Telegram."""
    e = html.escape
    parts = [
        "<b>mediamon daily digest</b> — 3 contacts, 2 with diverging accounts\n",
        f"<i>for reader #{subscriber}: everything since your last digest, {e('Mon 08:00 UTC')}"
        "</i>\n",
    ]
    for number, (title, israel, russia, differs, url, coverage) in enumerate(ITEMS, 1):
        parts.append(
            f"\n<b>{number}. {e(title)}</b>\n"
            f"🇮🇱 {e(israel)}\n"
            f"🇷🇺 {e(russia)}\n"
            f"<i>{e(differs)}</i> "
            f'<a href="{e(url, quote=True)}">Read the readout</a> ({e(coverage)})\n'
        )
    parts.append(
        "\nContacts where the accounts agree are left out; turn them on with /settings, "
        "or change the hour of this digest there. "
        f"{e('Questions & corrections: reply to this message.')}"
    )
    return "".join(parts)


# -- the fake Bot API, in a child process ---------------------------------------------------


@dataclass
class Report:
    """What the fake saw, sent back over the pipe (plain data only)."""

    accepted: list[tuple[int, float]] = field(default_factory=list)  # sendMessage: chat, time
    rejected: list[tuple[str, str]] = field(default_factory=list)  # method, description
    errors: list[str] = field(default_factory=list)  # exceptions the fake answered 500 for


def serve_fake(conn: Connection, every: int, retry_after: int) -> None:
    with FakeTelegram() as fake:
        fake.rate_limit(every=every, retry_after=retry_after)
        conn.send((fake.token, fake.base_url))
        while (command := conn.recv()) != "stop":
            if command == "report":  # the bot is idle: the lists no longer change
                conn.send(
                    Report(
                        [(m.chat_id, m.time) for m in fake.sent if m.method == "sendMessage"],
                        list(fake.rejected),
                        [repr(exc) for exc in fake.errors],
                    )
                )
            elif command == "no floods":
                fake.rate_limit(every=0)
                conn.send(None)


# -- delivery -------------------------------------------------------------------------------


@dataclass
class Run:
    returned: int
    seconds: float
    heap_peak: int
    report: Report
    trip_traced: float  # median seconds of one paced send_message, tracemalloc on
    trip_bare: float  # the same with tracemalloc off


async def round_trip(bot: telegram.Bot, text: str) -> float:
    """Median time of one send_message, spaced like the pacer spaces them (sent back to back
    they come out faster than in the paced run: nothing has gone idle in between)."""
    trips = []
    for _ in range(PROBE_SENDS):
        await asyncio.sleep(Pacer().interval)
        started = time.perf_counter()
        await bot.send_message(
            PROBE_CHAT,
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        trips.append(time.perf_counter() - started)
    return statistics.median(trips)


async def deliver(conn: Connection, token: str, base_url: str, store: Store) -> Run:
    async with telegram.Bot(token, base_url=base_url) as bot:
        tracemalloc.start()
        started = time.perf_counter()
        returned = await Delivery(bot, store).drain()
        seconds = time.perf_counter() - started
        heap_peak = tracemalloc.get_traced_memory()[1]
        conn.send("report")
        report = conn.recv()
        # What one request costs: the pacer's interval starts only after it.
        conn.send("no floods")
        conn.recv()
        trip_traced = await round_trip(bot, digest_text(0))
        tracemalloc.stop()
        trip_bare = await round_trip(bot, digest_text(0))
    return Run(returned, seconds, heap_peak, report, trip_traced, trip_bare)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000, help="private chats (1000)")
    parser.add_argument(
        "--every", type=int, default=50, help="every K-th sendMessage gets a 429 (50; 0: never)"
    )
    parser.add_argument(
        "--retry-after", type=int, default=1, help="retry_after of those 429s, seconds (1)"
    )
    args = parser.parse_args()
    if args.subscribers < 1 or args.every < 0 or args.retry_after < 1:
        parser.error("need --subscribers >= 1, --every >= 0, --retry-after >= 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    spawn = multiprocessing.get_context("spawn")
    conn, child_conn = spawn.Pipe()
    server = spawn.Process(
        target=serve_fake, args=(child_conn, args.every, args.retry_after), daemon=True
    )
    server.start()
    chats = [FIRST_CHAT + i for i in range(args.subscribers)]
    try:
        token, base_url = conn.recv()
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.open(f"sqlite:///{tmp}/bench.db")
            setup = time.perf_counter()
            now = utcnow()
            lengths = []
            for n, chat_id in enumerate(chats, 1):
                store.subscribe(chat_id, "private", f"Reader {n}", now)
                text = digest_text(n)
                lengths.append(len(text))
                store.enqueue(f"digest:bench:{chat_id}", chat_id, None, "digest", text, now)
            setup = time.perf_counter() - setup
            run = asyncio.run(deliver(conn, token, base_url, store))
            outbox = store.outbox_counts()
            store.close()
    finally:
        conn.send("stop")
        server.join(timeout=10)
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    fake_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024

    report = run.report
    wanted = set(chats)
    copies = Counter(chat_id for chat_id, _ in report.accepted)
    delivered = sum(copies[chat_id] for chat_id in chats)
    lost = sum(1 for chat_id in chats if copies[chat_id] == 0)
    duplicates = sum(max(0, copies[chat_id] - 1) for chat_id in chats)
    strangers = sum(n for chat_id, n in copies.items() if chat_id not in wanted)
    floods = sum(
        1
        for method, why in report.rejected
        if method == "sendMessage" and why.startswith("Too Many Requests")
    )
    other_rejections = len(report.rejected) - floods

    rate = delivered / run.seconds
    times = sorted(t for chat_id, t in report.accepted if chat_id in wanted)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    gap = statistics.median(gaps) if gaps else float("nan")
    interval = Pacer().interval

    flood = (
        f"429 on one sendMessage in {args.every}, retry_after {args.retry_after} s"
        if args.every
        else "no 429s"
    )
    print(
        f"delivery benchmark: {args.subscribers} private chats, one HTML digest each "
        f"({min(lengths)}-{max(lengths)} characters), {flood}"
    )
    print(f"setup           {setup:.1f} s to subscribe and queue")
    print(f"delivered       {delivered} messages accepted (drain() returned {run.returned})")
    print(f"time            {run.seconds:.1f} s in Delivery.drain()")
    print(
        f"rate            {rate:.1f} msg/s; limit {GLOBAL_RATE:g} msg/s "
        f"(bot.delivery.GLOBAL_RATE); ratio {rate / GLOBAL_RATE:.2f}"
    )
    # a 429 holds only the chat it was about (a burst of them holds all), so other chats
    # keep the pace meanwhile
    print(f"429s            {floods} answered 429, each retried after {args.retry_after} s")
    if gaps:
        print(
            f"steady pace     median gap {gap * 1000:.1f} ms between accepted sends "
            f"({1 / gap:.1f} msg/s); pacer interval {interval * 1000:.1f} ms"
        )
    print(
        f"round trip      one send_message {run.trip_traced * 1000:.1f} ms with "
        f"tracemalloc, {run.trip_bare * 1000:.1f} ms without; up to 8 sends are in flight, "
        f"so the round trip does not slow the pace"
    )
    print(f"lost            {lost} of {args.subscribers} subscribers got no copy")
    print(f"duplicates      {duplicates} copies beyond the first")
    if strangers or other_rejections or report.errors:
        print(
            f"unexpected      {strangers} to other chats, {other_rejections} other "
            f"rejections, {len(report.errors)} server errors {report.errors[:3]}"
        )
    print(
        f"outbox after    pending {outbox['pending']}, sent {outbox['sent']}, "
        f"dropped {outbox['dropped']}"
    )
    print(
        f"peak memory     Python heap {run.heap_peak / MiB:.1f} MiB during delivery "
        f"(tracemalloc); max RSS {max_rss / MiB:.0f} MiB (the fake server's process: "
        f"{fake_rss / MiB:.0f} MiB)"
    )
    failed = (
        lost
        or duplicates
        or strangers
        or report.errors
        or outbox["pending"]
        or run.returned != delivered
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
