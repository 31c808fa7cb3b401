"""The real `mediamon bot`, in a subprocess, talking HTTP to a fake Bot API server.

The store holds real events (two contacts of the evaluation set, analysed); every reply the
bot sends passes the fake server's checks of Telegram's HTML and length rules.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from mediamon.config import load_config
from mediamon.store import Store
from tests.fakes.coverage import store_contacts
from tests.fakes.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
ADMIN = 4242
USER = 1001
DIVERGING = "2023-12-10-netanyahu-putin-call"
AGREEING = "2020-05-08-netanyahu-putin-call"


def seed_store(folder: Path) -> None:
    """Two analysed contacts, stored as a crawl would store them."""
    config = load_config(folder / "config.yaml")
    with Store.open(config.database_url()) as store:
        store_contacts(store, config, (DIVERGING, AGREEING))


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake
        assert fake.rejected == [], f"Telegram would have rejected: {fake.rejected}"


@pytest.fixture
def bot(telegram: FakeTelegram, tmp_path: Path) -> Iterator[dict[str, Any]]:
    config = {
        "storage": {"url": "sqlite:///data/m.db"},
        "telegram": {"api_base_url": telegram.base_url, "admins": [ADMIN]},
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
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    seed_store(tmp_path)
    log = (tmp_path / "bot.log").open("w")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIAMON_", "TELEGRAM_"))}
    env.update(TELEGRAM_BOT_TOKEN=telegram.token, MEDIAMON_CONFIG=str(tmp_path / "config.yaml"))
    process = subprocess.Popen(
        [sys.executable, "-m", "mediamon", "bot"], stdout=log, stderr=log, env=env
    )
    try:
        deadline = time.monotonic() + 30
        while telegram.commands is None and time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "bot.log").read_text()
            time.sleep(0.05)
        assert telegram.commands is not None, "the bot never registered its commands"
        yield {"folder": tmp_path, "process": process, "log": tmp_path / "bot.log"}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
    assert process.returncode == 0, "SIGTERM must stop the bot cleanly"
    assert telegram.token not in (tmp_path / "bot.log").read_text()


def reply(telegram: FakeTelegram, chat_id: int, count: int = 1) -> list[Any]:
    """Wait for the chat's next `count` messages and return them."""
    before = len(telegram.messages_to(chat_id))
    assert telegram.wait_for(lambda _: len(telegram.messages_to(chat_id)) >= before + count, 10)
    return telegram.messages_to(chat_id)[before:]


def say(telegram: FakeTelegram, chat_id: int, text: str, **kwargs: Any) -> Any:
    before = len(telegram.messages_to(chat_id))
    telegram.send_command(chat_id, text, **kwargs)
    assert telegram.wait_for(lambda _: len(telegram.messages_to(chat_id)) > before, 10), (
        f"no reply to {text}"
    )
    return telegram.messages_to(chat_id)[before]


def subscriber(bot: dict[str, Any], chat_id: int) -> Any:
    config = load_config(bot["folder"] / "config.yaml")
    with Store.open(config.database_url()) as store:
        return store.subscriber(chat_id)


def test_a_private_conversation(telegram: FakeTelegram, bot: dict[str, Any]) -> None:
    assert {c["command"] for c in telegram.commands or []} >= {
        "start",
        "stop",
        "settings",
        "latest",
        "event",
    }
    welcome = say(telegram, USER, "/start")
    assert welcome.parse_mode == "HTML" and "You are subscribed" in welcome.text
    assert "a daily digest at 08:00 UTC plus instant alerts" in welcome.text
    assert subscriber(bot, USER).active

    menu = say(telegram, USER, "/settings")
    assert "Instant alerts: on" in menu.text and menu.reply_markup
    before = len(telegram.sent)
    telegram.press_button(USER, menu.message_id, "set:instant")
    assert telegram.wait_for(lambda sent: len(sent) > before)
    edited = telegram.sent[-1]
    assert edited.method == "editMessageText" and "Instant alerts: off" in edited.text
    for data in ("set:digest", "set:hour:+1", "set:tz", "set:quiet", "set:agreeing"):
        count = len(telegram.sent)
        telegram.press_button(USER, menu.message_id, data)
        assert telegram.wait_for(lambda sent, n=count: len(sent) > n)
    settings = subscriber(bot, USER).settings
    assert (settings.instant, settings.digest, settings.digest_hour, settings.timezone) == (
        False,
        "weekly",
        9,
        "Asia/Jerusalem",
    )
    assert settings.quiet == (22, 7) and settings.include_agreeing
    typed = say(telegram, USER, "/settings timezone Europe/Berlin")
    assert "Time zone: Europe/Berlin" in typed.text
    assert "Usage" in say(telegram, USER, "/settings timezone Mars/Olympus").text

    latest = say(telegram, USER, "/latest")
    lines = latest.text.splitlines()
    assert lines[1].startswith("1. ⚠️ 10 Dec 2023 · call · Netanyahu – Putin")
    assert lines[2].startswith("2. ✅ 08 May 2020")
    buttons = [b for row in latest.reply_markup["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["1", "2"]
    count = len(telegram.messages_to(USER))
    telegram.press_button(USER, latest.message_id, buttons[0]["callback_data"])
    assert telegram.wait_for(lambda _: len(telegram.messages_to(USER)) > count)
    view = telegram.messages_to(USER)[count]
    assert "Israel said" in view.text and "Russia said" in view.text
    assert "<b>Only Israel:</b> Iran" in view.text and "hostages" in view.text
    assert 'href="http://kremlin-en.test/' in view.text

    assert say(telegram, USER, "/event 2023-12-10-call-netanyahu-putin").text == view.text
    assert "Usage: /event" in say(telegram, USER, "/event").text
    assert "No contact with the id" in say(telegram, USER, "/event nothing-like-it").text
    assert "Sources" in say(telegram, USER, "/sources").text
    status = say(telegram, USER, "/status").text
    assert "Next crawl:" in status and "Subscribers: 1" in status
    assert "Unknown command /frobnicate" in say(telegram, USER, "/frobnicate").text
    assert "/latest" in say(telegram, USER, "/help").text

    assert "Unsubscribed" in say(telegram, USER, "/unsubscribe").text
    say(telegram, USER, "/start")
    goodbye = say(telegram, USER, "/stop")
    assert "Unsubscribed" in goodbye.text and not subscriber(bot, USER).active
    telegram.press_button(USER, goodbye.message_id, "resubscribe")
    reply(telegram, USER)
    assert subscriber(bot, USER).active


def test_admin_commands_answer_only_admins(telegram: FakeTelegram, bot: dict[str, Any]) -> None:
    assert say(telegram, USER, "/stats").text == "Not allowed."
    assert say(telegram, USER, "/crawl").text == "Not allowed."
    say(telegram, ADMIN, "/start")
    stats = say(telegram, ADMIN, "/stats", user_id=ADMIN).text
    assert (
        "Subscribers: 1 (1 private)" in stats and "Deliveries: 0 sent, 0 waiting, 0 failed" in stats
    )
    started = say(telegram, ADMIN, "/crawl", user_id=ADMIN).text
    assert started.startswith("Crawl started")
    assert "Subscribers" in say(telegram, ADMIN, "/status").text  # the bot answers meanwhile
    assert telegram.wait_for(lambda _: len(telegram.messages_to(ADMIN)) >= 5, 60)
    finished = telegram.messages_to(ADMIN)[-1].text
    assert finished.startswith("Crawl finished: crawl: 1 source, 0 new articles; 1 source failed")


def test_groups_channels_and_topics(telegram: FakeTelegram, bot: dict[str, Any]) -> None:
    group = -100123
    welcome = say(
        telegram, group, "/start@mediamon_test_bot", chat_type="supergroup", title="Analysts"
    )
    assert "You are subscribed" in welcome.text and subscriber(bot, group).chat_type == "supergroup"
    telegram.send_command(group, "/start@some_other_bot", chat_type="supergroup")
    telegram.send_text(group, "hello everyone", chat_type="supergroup")
    telegram.send_command(group, "/frobnicate", chat_type="supergroup")
    addressed = say(telegram, group, "/frobnicate@mediamon_test_bot", chat_type="supergroup")
    assert "Unknown command" in addressed.text  # the three before it got no answer at all
    assert len(telegram.messages_to(group)) == 2

    channel = -100777
    count = len(telegram.messages_to(channel))
    telegram.send_channel_post(channel, "/start", title="Newsroom")
    reply(telegram, channel)
    assert len(telegram.messages_to(channel)) == count + 1
    assert subscriber(bot, channel).chat_type == "channel"

    forum = -100555
    topic_reply = say(
        telegram, forum, "/start@mediamon_test_bot", chat_type="supergroup", thread_id=77
    )
    assert topic_reply.message_thread_id == 77
    assert subscriber(bot, forum).thread_id == 77


def test_blocked_unblocked_and_migrated_chats(telegram: FakeTelegram, bot: dict[str, Any]) -> None:
    say(telegram, USER, "/start")
    telegram.set_membership(USER, "kicked")
    assert _eventually(lambda: subscriber(bot, USER).paused == "blocked")
    telegram.set_membership(USER, "member", old_status="kicked")
    assert _eventually(lambda: subscriber(bot, USER).paused is None)

    old, new = -4001, -1004001
    say(telegram, old, "/start@mediamon_test_bot", chat_type="group", title="Desk")
    config = load_config(bot["folder"] / "config.yaml")
    with Store.open(config.database_url()) as store:
        store.save_settings(
            old, store.subscriber(old).settings.__class__(digest="weekly"), datetime.now(UTC)
        )
    telegram.migrate_group(old, new)
    assert _eventually(lambda: subscriber(bot, new) is not None)
    assert subscriber(bot, old) is None and subscriber(bot, new).settings.digest == "weekly"


def test_an_unexpected_error_is_reported_to_admins_and_apologised_for(
    telegram: FakeTelegram, bot: dict[str, Any]
) -> None:
    with sqlite3.connect(bot["folder"] / "data" / "m.db") as db:
        db.execute("DROP TABLE statements")  # a broken store: /latest cannot read events
    apology = say(telegram, USER, "/latest")
    assert apology.text == "Sorry, something went wrong on our side. The team has been told."
    assert "Traceback" not in apology.text
    assert telegram.wait_for(lambda _: len(telegram.messages_to(ADMIN)) == 1)
    report = telegram.messages_to(ADMIN)[0]
    assert "mediamon error" in report.text and "/latest" in report.text
    assert "Traceback" in bot["log"].read_text()  # the full story goes to the log


def test_without_a_token_the_bot_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIAMON_", "TELEGRAM_"))}
    result = subprocess.run(
        [sys.executable, "-m", "mediamon", "--config", str(ROOT / "config.yaml"), "bot"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("mediamon: TELEGRAM_BOT_TOKEN is not set")
    assert result.stderr.count("\n") == 1


def _eventually(check: Any, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False
