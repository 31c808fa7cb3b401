"""Alerts and digests: queued in the outbox, delivered through the real python-telegram-bot
client to the fake Bot API server, with 429s, blocked chats, migrations and crashes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from telegram import Bot

from bot.delivery import Delivery, Pacer
from bot.digest import queue_alerts, queue_digests, split
from bot.jobs import Jobs
from mediamon.analysis.divergence import Comparer
from mediamon.config import Config, load_config
from mediamon.store import Store
from mediamon.subscriptions import Settings
from tests.fakes.coverage import store_contacts
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
DIVERGING = "2023-12-10-netanyahu-putin-call"
AGREEING = "2020-05-08-netanyahu-putin-call"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake
        # refusals the tests provoke are fine; one for our markup or length never is
        provoked = ("Forbidden", "Too Many Requests", "Bad Request: group chat was upgraded")
        assert [r for r in fake.rejected if not r[1].startswith(provoked)] == []


@pytest.fixture
def config(tmp_path: Path, telegram: FakeTelegram) -> Config:
    data = {
        "storage": {"url": "sqlite:///data/m.db"},
        "telegram": {"api_base_url": telegram.base_url, "admins": []},
        "sides": SHIPPED["sides"],
        "analysis": SHIPPED["analysis"],
        "topics": SHIPPED["topics"],
        "sources": [
            {
                "name": "Kremlin (en)",
                "feed": "http://kremlin.test/feed",
                "side": "russia",
                "official": True,
            }
        ],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return load_config(tmp_path / "config.yaml")


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with Store.open(config.database_url()) as opened:
        yield opened


def seed(
    store: Store,
    config: Config,
    contacts: tuple[str, ...] = (DIVERGING, AGREEING),
    mark: str | None = None,
) -> None:
    store_contacts(store, config, contacts, mark=mark)


def deliver(telegram: FakeTelegram, store: Store) -> Delivery:
    async def run() -> Delivery:
        async with Bot(telegram.token, base_url=telegram.base_url) as bot:
            delivery = Delivery(bot, store)
            await delivery.drain()
            return delivery

    return asyncio.run(run())


def subscribe(store: Store, chat_id: int, **settings: object) -> None:
    store.subscribe(
        chat_id,
        "private" if chat_id > 0 else "supergroup",
        None,
        datetime.now(UTC),
        settings=replace(Settings(), **settings),
    )  # type: ignore[arg-type]


def test_digests_follow_each_subscribers_settings(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    seed(store, config)
    subscribe(store, 1)  # diverging contacts only
    subscribe(store, 2, include_agreeing=True)  # both
    subscribe(store, 3, digest="off")  # none
    queued = queue_digests(
        store,
        config,
        Comparer(config),
        datetime.now(UTC),
        [s for s in store.subscribers(receiving=True) if s.settings.digest != "off"],
    )
    assert queued == 2
    deliver(telegram, store)
    [first] = telegram.messages_to(1)
    [second] = telegram.messages_to(2)
    assert telegram.messages_to(3) == []
    assert "1 diverging, 0 agreeing" in first.text and "10 December 2023" in first.text
    assert "1 diverging, 1 agreeing" in second.text and "08 May 2020" in second.text
    assert first.disable_web_page_preview is True
    assert "Only Israel:" in first.text and "Kremlin (en)</a>" in first.text
    # nothing new since: no second digest
    assert queue_digests(store, config, Comparer(config), datetime.now(UTC)) == 0


def test_an_alert_after_a_crawl_is_sent_once_per_verdict(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    subscribe(store, 7)
    subscribe(store, 8, instant=False)
    seed(store, config, (DIVERGING,))
    comparer = Comparer(config)
    assert queue_alerts(store, config, comparer, datetime.now(UTC)) == 1
    assert (
        queue_alerts(store, config, comparer, datetime.now(UTC)) == 0
    )  # same verdict: never twice
    deliver(telegram, store)
    [alert] = telegram.messages_to(7)
    assert alert.text.startswith("⚠️ <b>The accounts differ</b>")
    assert telegram.messages_to(8) == []


def test_quiet_hours_hold_an_alert_back(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    hour = datetime.now(UTC).hour
    subscribe(store, 9, quiet=(hour, (hour + 2) % 24))
    seed(store, config, (DIVERGING,))
    assert queue_alerts(store, config, Comparer(config), datetime.now(UTC)) == 1
    deliver(telegram, store)
    assert telegram.messages_to(9) == []
    assert store.outbox_counts()["pending"] == 1


def test_429s_are_waited_out_and_nothing_is_lost_or_doubled(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    seed(store, config)
    for chat in range(100, 130):
        subscribe(store, chat)
    telegram.rate_limit(every=7, retry_after=1)
    queue_digests(store, config, Comparer(config), datetime.now(UTC))
    started = time.monotonic()
    deliver(telegram, store)
    assert time.monotonic() - started >= 1  # at least one retry_after was honoured
    copies = Counter(m.chat_id for m in telegram.sent if m.method == "sendMessage")
    assert copies == {chat: 1 for chat in range(100, 130)}
    assert store.outbox_counts() == {"pending": 0, "sent": 30, "dropped": 0}


def test_a_blocked_chat_is_paused_and_the_others_still_get_theirs(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    seed(store, config)
    subscribe(store, 20)
    subscribe(store, 21)
    telegram.block(20)
    queue_digests(store, config, Comparer(config), datetime.now(UTC))
    delivery = deliver(telegram, store)
    assert store.subscriber(20).paused == "blocked" and store.subscriber(21).paused is None
    assert len(telegram.messages_to(21)) == 1 and delivery.failed == 1
    assert store.outbox_counts()["dropped"] == 1


def test_a_migrated_group_is_followed_and_resent(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    seed(store, config)
    subscribe(store, -500)
    telegram.migrated(-500, -100500)
    queue_digests(store, config, Comparer(config), datetime.now(UTC))
    deliver(telegram, store)
    assert len(telegram.messages_to(-100500)) == 1
    assert store.subscriber(-500) is None and store.subscriber(-100500) is not None


def test_a_long_digest_is_split_between_events(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    blocks = ["<b>header</b>"] + [f"<b>Event {n}</b>\n" + "word " * 300 for n in range(20)]
    parts = split(blocks)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert all(part.startswith("<b>") for part in parts)  # every message starts at an event
    assert "\n\n".join(parts) == "\n\n".join(blocks)  # nothing lost, nothing cut
    many = [f'<a href="http://x.test/{n}">link {n}</a>' for n in range(150)]
    assert all(p.count("<a ") <= 90 for p in split(many))


def test_text_with_markup_characters_arrives_intact(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    seed(store, config, (DIVERGING,), mark='Gaza & "the <Strip>"')
    subscribe(store, 30)
    assert queue_alerts(store, config, Comparer(config), datetime.now(UTC)) == 1
    deliver(telegram, store)
    [alert] = telegram.messages_to(30)
    assert telegram.rejected == []
    assert 'Gaza & "the <Strip>"' in alert.plain_text  # escaped on the way, intact on arrival


def test_pacing_respects_per_chat_and_group_limits() -> None:
    clock = [0.0]
    pacer = Pacer(rate=25, clock=lambda: clock[0])
    assert (pacer.book(1), pacer.book(1)) == (0.0, pytest.approx(1.0))  # one a second to a chat
    assert (pacer.take_global(), pacer.take_global()) == (0.0, pytest.approx(0.04))  # 25/s overall
    assert (pacer.book(-100), pacer.book(-100)) == (
        0.0,
        pytest.approx(3.0),
    )  # 20 a minute to a group
    clock[0] = 10.0
    pacer.hold(5, 2)
    assert pacer.book(5) == pytest.approx(2.0)  # a 429 holds that chat …
    assert pacer.book(6) == 0.0 and pacer.take_global() == 0.0  # … not the others
    for chat in (7, 8, 9):
        pacer.hold(chat, 4)
    assert pacer.take_global() == pytest.approx(4.0)  # a burst of 429s holds everyone


def test_the_scheduler_coalesces_missed_runs_and_prints_without_a_token(
    store: Store, config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(store, config, (DIVERGING,))
    subscribe(store, 40)
    jobs = Jobs(config, store, print_instead=True)

    async def run() -> None:
        scheduler = jobs.start()
        try:
            crawl = scheduler.get_job("crawl")
            assert crawl.coalesce is True and crawl.max_instances == 1
            assert {job.id for job in scheduler.get_jobs()} == {
                "crawl",
                "digest",
                "personal-digests",
            }
            assert await jobs.scheduled_digests() == 1
        finally:
            scheduler.shutdown(wait=False)

    asyncio.run(run())
    printed = capsys.readouterr().out
    assert "(would be sent; no TELEGRAM_BOT_TOKEN)" in printed and "10 December 2023" in printed
    assert "<b>" not in printed


def test_digest_now_queues_and_send_delivers(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    seed(store, config)
    subscribe(store, 50)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIAMON_", "TELEGRAM_"))}
    env["TELEGRAM_BOT_TOKEN"] = telegram.token
    command = [sys.executable, "-m", "mediamon", "--config", str(config.path), "digest", "--now"]
    queued = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert (
        queued.stdout.strip()
        == "digest: 1 message queued for 1 subscribers; the running bot delivers them"
    )
    sent = subprocess.run([*command, "--send"], capture_output=True, text=True, env=env, check=True)
    assert sent.stdout.strip().endswith(", 1 sent")
    assert len(telegram.messages_to(50)) == 1  # the first one, left to the bot, was sent too
    assert telegram.token not in sent.stdout + sent.stderr


def test_a_killed_broadcast_finishes_after_restart_with_at_most_one_duplicate(
    telegram: FakeTelegram, store: Store, config: Config
) -> None:
    seed(store, config, (DIVERGING,))
    chats = list(range(1000, 1060))
    for chat in chats:
        subscribe(store, chat)
    assert queue_alerts(store, config, Comparer(config), datetime.now(UTC)) == len(chats)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIAMON_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=telegram.token, MEDIAMON_CONFIG=str(config.path))

    def delivered() -> int:
        return sum(1 for m in telegram.sent if m.method == "sendMessage")

    first = subprocess.Popen(
        [sys.executable, "-m", "mediamon", "bot"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert telegram.wait_for(lambda _: delivered() >= 15, 30)
    os.kill(first.pid, signal.SIGKILL)  # mid-broadcast, no chance to clean up
    first.wait()
    assert delivered() < len(chats)
    second = subprocess.Popen(
        [sys.executable, "-m", "mediamon", "bot"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert telegram.wait_for(
            lambda _: len({m.chat_id for m in telegram.sent}) >= len(chats), 60
        )
        time.sleep(1)
    finally:
        second.terminate()
        second.wait(timeout=20)
    copies = Counter(m.chat_id for m in telegram.sent if m.method == "sendMessage")
    assert set(copies) == set(chats)  # nothing lost
    assert sum(copies.values()) - len(chats) <= 1  # at most one duplicate per crash
