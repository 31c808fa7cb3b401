"""The fake Telegram Bot API, driven by the real python-telegram-bot client and Application."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from tests.fakes.telegram import FakeTelegram, HtmlEntityError, parse_html

T = TypeVar("T")


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake
    assert not fake.errors, fake.errors


def with_bot(tg: FakeTelegram, action: Callable[[Bot], Awaitable[T]]) -> T:
    async def main() -> T:
        async with Bot(tg.token, base_url=tg.base_url) as bot:
            return await action(bot)

    return asyncio.run(main())


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


def raw_post(tg: FakeTelegram, method: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = httpx.post(f"{tg.base_url}{tg.token}/{method}", timeout=5, **kwargs)
    return response.status_code, response.json()


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


# -- the real client against the fake ----------------------------------------------------


def test_get_me_describes_the_bot(tg: FakeTelegram) -> None:
    me = with_bot(tg, lambda bot: bot.get_me())

    assert me.is_bot
    assert me.username == "mediamon_test_bot"
    assert me.id == 123456
    assert tg.base_url == f"http://127.0.0.1:{tg.port}/bot"
    assert tg.requests[0] == ("getMe", {})


def test_send_message_with_html_returns_the_parsed_message(tg: FakeTelegram) -> None:
    text = '<b>Alert</b> &amp; <a href="https://example.org/?a=1&amp;b=2">source</a> ✅'
    message = with_bot(
        tg,
        lambda bot: bot.send_message(
            42, text, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        ),
    )

    assert message.text == "Alert & source ✅"
    assert message.chat.id == 42
    assert message.chat.type == "private"
    assert message.from_user is not None and message.from_user.username == "mediamon_test_bot"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 5),
        ("text_link", 8, 6),
    ]
    assert message.entities[1].url == "https://example.org/?a=1&b=2"
    [sent] = tg.messages_to(42)
    assert sent.method == "sendMessage"
    assert sent.text == text
    assert sent.plain_text == "Alert & source ✅"
    assert sent.parse_mode == "HTML"
    assert sent.message_id == message.message_id
    assert sent.disable_web_page_preview is True
    assert sent.link_preview_options == {"is_disabled": True}
    assert sent.reply_markup is None


def test_message_ids_increase_per_chat(tg: FakeTelegram) -> None:
    async def send(bot: Bot) -> list[int]:
        ids = []
        for chat_id in (1, 1, 2, 1):
            ids.append((await bot.send_message(chat_id, "hi")).message_id)
        return ids

    assert with_bot(tg, send) == [1, 2, 1, 3]


def test_bare_less_than_is_rejected_as_bad_request(tg: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        with_bot(tg, lambda bot: bot.send_message(42, "turnout < 50%", parse_mode="HTML"))

    assert tg.sent == []
    [(method, description)] = tg.rejected
    assert method == "sendMessage"
    assert description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 8'
    )
    assert caught.value.message.lower() == description.removeprefix("Bad Request: ").lower()


def test_text_longer_than_4096_characters_after_parsing_is_rejected(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        # tags and entities don't count: these are exactly 4096 characters to a user
        await bot.send_message(1, "<b>" + "x" * 4095 + "</b>&amp;", parse_mode="HTML")
        await bot.send_message(1, "я" * 4096)
        with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
            await bot.send_message(1, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
            await bot.send_message(1, "&lt;" * 4097, parse_mode="HTML")

    with_bot(tg, scenario)
    assert len(tg.sent) == 2
    assert [method for method, _ in tg.rejected] == ["sendMessage", "sendMessage"]


def test_empty_text_is_rejected(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
            await bot.send_message(1, "<b></b>  ", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
            await bot.send_message(1, "")

    with_bot(tg, scenario)
    assert tg.sent == []


def test_blocked_chat_raises_forbidden_until_unblocked(tg: FakeTelegram) -> None:
    tg.block(42)

    async def scenario(bot: Bot) -> None:
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(42, "hello")
        tg.unblock(42)
        await bot.send_message(42, "hello again")

    with_bot(tg, scenario)
    assert [m.text for m in tg.messages_to(42)] == ["hello again"]
    assert tg.rejected == [("sendMessage", "Forbidden: bot was blocked by the user")]


def test_chat_not_found_raises_bad_request(tg: FakeTelegram) -> None:
    tg.chat_not_found(-100777)

    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        with_bot(tg, lambda bot: bot.send_message(-100777, "hello"))


# python-telegram-bot 22 warns, building RetryAfter, that retry_after becomes a timedelta
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_rate_limit_raises_retry_after_on_every_nth_send(tg: FakeTelegram) -> None:
    tg.rate_limit(every=3, retry_after=7)

    async def scenario(bot: Bot) -> list[str]:
        outcomes = []
        for i in range(6):
            try:
                await bot.send_message(1, f"m{i}")
                outcomes.append("ok")
            except RetryAfter as error:
                outcomes.append(f"retry {seconds(error.retry_after):g}")
        return outcomes

    assert with_bot(tg, scenario) == ["ok", "ok", "retry 7", "ok", "ok", "retry 7"]
    assert tg.rejected[-1] == ("sendMessage", "Too Many Requests: retry after 7")
    tg.rate_limit(0)
    with_bot(tg, lambda bot: bot.send_message(1, "free again"))


def test_migrated_group_raises_chat_migrated_with_the_new_id(tg: FakeTelegram) -> None:
    tg.migrated(-555, -1001234567890)

    async def scenario(bot: Bot) -> str:
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(-555, "hello")
        assert caught.value.new_chat_id == -1001234567890
        message = await bot.send_message(caught.value.new_chat_id, "hello")
        return str(message.chat.type)

    assert with_bot(tg, scenario) == "supergroup"


def test_edit_message_text_rules(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(9, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
        # the same text and keyboard, even spelt differently, is not a modification
        with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
            await bot.edit_message_text(
                "<strong>v1</strong>",
                chat_id=9,
                message_id=sent.message_id,
                parse_mode="HTML",
                reply_markup=keyboard("a"),
            )
        with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
            await bot.edit_message_text("v2", chat_id=9, message_id=999)
        edited = await bot.edit_message_text(
            "<b>v2</b>", chat_id=9, message_id=sent.message_id, parse_mode="HTML"
        )
        assert not isinstance(edited, bool)
        assert edited.text == "v2"
        assert edited.edit_date is not None
        assert edited.reply_markup is None
        # dropping the keyboard was a change; doing it again is not
        with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
            await bot.edit_message_text(
                "<b>v2</b>", chat_id=9, message_id=sent.message_id, parse_mode="HTML"
            )

    with_bot(tg, scenario)
    assert [(m.method, m.plain_text) for m in tg.messages_to(9)] == [
        ("sendMessage", "v1"),
        ("editMessageText", "v2"),
    ]
    assert [d.split(":")[0] for _, d in tg.rejected] == [
        "Bad Request",
        "Bad Request",
        "Bad Request",
    ]


def test_edit_in_blocked_chat_raises_forbidden(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(9, "v1")
        tg.block(9)
        with pytest.raises(Forbidden):
            await bot.edit_message_text("v2", chat_id=9, message_id=sent.message_id)

    with_bot(tg, scenario)


def test_inline_keyboard_round_trip(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(77, "Subscribe?", reply_markup=keyboard("sub:yes", "sub:no"))
        assert sent.reply_markup is not None
        assert [b.callback_data for b in sent.reply_markup.inline_keyboard[0]] == [
            "sub:yes",
            "sub:no",
        ]
        update_id = tg.press_button(77, sent.message_id, "sub:no")

        [update] = await bot.get_updates(timeout=1)
        assert update.update_id == update_id
        query = update.callback_query
        assert query is not None
        assert query.data == "sub:no"
        assert query.from_user.id == 77
        assert isinstance(query.message, Message)
        assert query.message.message_id == sent.message_id
        assert query.message.text == "Subscribe?"
        assert await query.answer("Noted")
        with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
            await query.answer("twice")
        assert await bot.get_updates(offset=update_id + 1) == ()

    with_bot(tg, scenario)
    assert len(tg.answered_callbacks) == 1
    assert tg.answered_callbacks[0]["text"] == "Noted"
    sent = tg.messages_to(77)[0]
    assert [b["callback_data"] for b in sent.buttons] == ["sub:yes", "sub:no"]
    with pytest.raises(ValueError, match="no button"):
        tg.press_button(77, sent.message_id, "sub:maybe")
    with pytest.raises(ValueError, match="sent no message"):
        tg.press_button(77, 999, "sub:yes")


def test_get_updates_long_poll_returns_an_update_enqueued_while_waiting(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> tuple[tuple[Update, ...], float]:
        asyncio.get_running_loop().call_later(0.2, tg.send_command, 5, "/start hello")
        started = time.monotonic()
        updates = await bot.get_updates(timeout=30)
        return updates, time.monotonic() - started

    updates, elapsed = with_bot(tg, scenario)
    # it waited for the update, and it was the update (not the 1 s cap) that ended the wait
    assert elapsed >= 0.15
    [update] = updates
    assert update.message is not None
    assert update.message.text == "/start hello"
    assert [(e.type, e.offset, e.length) for e in update.message.entities] == [
        ("bot_command", 0, 6)
    ]


def test_get_updates_offset_confirms_and_long_poll_is_capped(tg: FakeTelegram) -> None:
    first = tg.send_text(5, "one")
    second = tg.send_text(5, "two")

    async def scenario(bot: Bot) -> None:
        assert [u.update_id for u in await bot.get_updates()] == [first, second]
        assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
        started = time.monotonic()
        assert await bot.get_updates(offset=second + 1, timeout=30) == ()
        assert time.monotonic() - started < 1.5
        assert tg.pending_updates() == []

    with_bot(tg, scenario)


def test_set_my_commands_is_recorded(tg: FakeTelegram) -> None:
    commands = [BotCommand("start", "Subscribe"), BotCommand("digest", "Today's digest")]

    async def scenario(bot: Bot) -> tuple[BotCommand, ...]:
        assert await bot.set_my_commands(commands)
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand("Bad-Name", "x")])
        return await bot.get_my_commands()

    assert with_bot(tg, scenario) == tuple(commands)
    assert tg.commands == [
        {"command": "start", "description": "Subscribe"},
        {"command": "digest", "description": "Today's digest"},
    ]


def test_membership_updates_parse_and_block_sends(tg: FakeTelegram) -> None:
    tg.set_membership(-1001, "administrator", chat_type="supergroup", old_status="left")
    tg.set_membership(-1002, "restricted", chat_type="supergroup", title="Newsroom")
    tg.set_membership(-1003, "creator", chat_type="supergroup")
    tg.set_membership(42, "kicked")

    async def scenario(bot: Bot) -> None:
        updates = await bot.get_updates()
        changes = [u.my_chat_member for u in updates]
        assert [(c.chat.id, c.new_chat_member.status) for c in changes if c] == [
            (-1001, "administrator"),
            (-1002, "restricted"),
            (-1003, "creator"),
            (42, "kicked"),
        ]
        with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
            await bot.send_message(42, "still there?")
        tg.set_membership(42, "member", old_status="kicked")
        await bot.send_message(42, "welcome back")

    with_bot(tg, scenario)


def test_group_commands_channel_posts_and_migration(tg: FakeTelegram) -> None:
    tg.send_command(
        -100500,
        "/digest@mediamon_test_bot today",
        chat_type="supergroup",
        title="Desk",
        thread_id=7,
        user_id=31,
    )
    tg.send_channel_post(-100600, "/status", title="Wire")
    tg.migrate_group(-700, -100700)

    async def scenario(bot: Bot) -> None:
        command, post, to_new, from_old = await bot.get_updates()
        assert command.message is not None and command.message.from_user is not None
        assert command.message.chat.type == "supergroup"
        assert command.message.chat.title == "Desk"
        assert command.message.message_thread_id == 7
        assert command.message.from_user.id == 31
        assert command.message.entities[0].length == len("/digest@mediamon_test_bot")
        assert post.channel_post is not None
        assert post.channel_post.chat.type == "channel"
        assert post.channel_post.entities[0].type == "bot_command"
        assert to_new.message is not None and to_new.message.migrate_to_chat_id == -100700
        assert from_old.message is not None and from_old.message.migrate_from_chat_id == -700
        reply = await bot.send_message(-100600, "ok")
        assert reply.chat.type == "channel"
        with pytest.raises(ChatMigrated):
            await bot.send_message(-700, "hello")

    with_bot(tg, scenario)


def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    async def main() -> None:
        async with Bot("999:wrong", base_url=tg.base_url) as bot:
            await bot.get_me()

    with pytest.raises(InvalidToken):
        asyncio.run(main())


# -- raw HTTP: encodings and validation python-telegram-bot doesn't do for us --------------


def test_json_form_and_multipart_bodies_are_understood(tg: FakeTelegram) -> None:
    status, body = raw_post(
        tg, "sendMessage", json={"chat_id": 3, "text": "json", "disable_web_page_preview": True}
    )
    assert status == 200 and body["ok"] and body["result"]["text"] == "json"
    status, body = raw_post(tg, "sendmessage", data={"chat_id": "3", "text": "form"})
    assert status == 200 and body["result"]["message_id"] == 2
    status, body = raw_post(tg, "sendMessage", files={"chat_id": (None, "3"), "text": (None, "mp")})
    assert status == 200 and body["result"]["text"] == "mp"
    assert [m.text for m in tg.messages_to(3)] == ["json", "form", "mp"]
    assert tg.sent[0].disable_web_page_preview is True
    assert tg.requests[1] == ("sendMessage", {"chat_id": 3, "text": "form"})


def test_unknown_method_is_not_found(tg: FakeTelegram) -> None:
    status, body = raw_post(tg, "sendPhoto", data={"chat_id": "1"})

    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert tg.rejected == [("sendPhoto", "Not Found")]


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("{not json", "can't parse reply keyboard markup JSON object"),
        ({"inline_keyboard": [{"text": "x"}]}, "should be an Array of Arrays"),
        ({"inline_keyboard": [[{"text": "x"}]]}, "Text buttons are unallowed"),
        ({"inline_keyboard": [[{"callback_data": "x"}]]}, 'Field "text" must be of type String'),
        ({"inline_keyboard": [[{"text": "x", "callback_data": "y" * 65}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}, "BUTTON_DATA_INVALID"),
        (
            {"inline_keyboard": [[{"text": "x", "callback_data": "y", "url": "https://e.org"}]]},
            "exactly one of",
        ),
    ],
)
def test_invalid_reply_markup_is_rejected(tg: FakeTelegram, markup: Any, error: str) -> None:
    status, body = raw_post(
        tg, "sendMessage", json={"chat_id": 1, "text": "pick", "reply_markup": markup}
    )

    assert status == 400
    assert body["ok"] is False and body["error_code"] == 400
    assert body["description"].startswith("Bad Request: ")
    assert error in body["description"]
    assert tg.sent == []


def test_valid_keyboards_are_accepted(tg: FakeTelegram) -> None:
    buttons = [
        [{"text": "y", "callback_data": "y" * 64}],
        [{"text": "site", "url": "https://example.org"}],
    ]
    status, _ = raw_post(
        tg,
        "sendMessage",
        json={"chat_id": 1, "text": "a", "reply_markup": {"inline_keyboard": buttons}},
    )
    assert status == 200
    status, _ = raw_post(
        tg,
        "sendMessage",
        data={"chat_id": "1", "text": "b", "reply_markup": '{"remove_keyboard": true}'},
    )
    assert status == 200
    assert tg.sent[0].reply_markup == {"inline_keyboard": buttons}


# -- the HTML parse mode -----------------------------------------------------------------


def test_parse_html_accepts_every_telegram_tag() -> None:
    text = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler>'
        '<a href="https://e.org">a</a><code>c</code><pre><code class="language-python">x = 1</code></pre>'
        "<blockquote>q</blockquote><blockquote expandable>w</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><B>upper</B>'
    )
    plain, entities = parse_html(text)

    assert plain == "bsieunskdpqacx = 1qw👍upper"
    types = [e["type"] for e in entities]
    assert types == [
        "bold",
        "bold",
        "italic",
        "italic",
        "underline",
        "underline",
        "strikethrough",
        "strikethrough",
        "strikethrough",
        "spoiler",
        "spoiler",
        "text_link",
        "code",
        "pre",
        "blockquote",
        "expandable_blockquote",
        "custom_emoji",
        "bold",
    ]
    pre = entities[types.index("pre")]
    assert pre["language"] == "python" and pre["length"] == 5


def test_parse_html_counts_offsets_in_utf16_and_unescapes_entities() -> None:
    plain, entities = parse_html("😀 <i>&lt;&#x41;&#66;&quot;&gt;</i> <b>x</b>")

    assert plain == '😀 <AB">' + " x"
    assert entities == [
        {"type": "italic", "offset": 3, "length": 5},
        {"type": "bold", "offset": 9, "length": 1},
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("x<y", "Unclosed start tag at byte offset 1"),
        ("<p>para</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("Q&A", "Character '&' at byte offset 1 starts no supported HTML entity"),
        ("&nbsp;", "Character '&' at byte offset 0"),
        ("&#0;", "Character '&' at byte offset 0"),
        ('<a href="https://e.org/?a=1&b=2">x</a>', "Character '&' at byte offset 27"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
        ("<tg-emoji>👍</tg-emoji>", "Custom emoji identifier must be specified"),
    ],
)
def test_parse_html_rejects_what_telegram_rejects(text: str, error: str) -> None:
    with pytest.raises(HtmlEntityError) as caught:
        parse_html(text)

    assert error in str(caught.value)


def test_more_than_100_entities_are_rejected(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.send_message(1, "<b>x</b> " * 100, parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)too many entities \(101 > 100\)"):
            await bot.send_message(
                1, "<b>x</b> " * 50 + '<a href="https://e.org">l</a> ' * 51, parse_mode="HTML"
            )

    with_bot(tg, scenario)
    assert len(tg.sent) == 1


# -- a whole Application -------------------------------------------------------------------


def test_application_answers_a_command_over_long_polling(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(f"<b>Welcome</b>, {context.args!r}")

    async def main() -> bool:
        app = Application.builder().token(tg.token).base_url(tg.base_url).build()
        app.add_handler(CommandHandler("start", start))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            tg.send_command(1001, "/start now")
            # a command addressed to another bot must be ignored
            tg.send_command(-42, "/start@other_bot", chat_type="group")
            replied = await asyncio.to_thread(
                tg.wait_for, lambda sent: any(m.chat_id == 1001 for m in sent)
            )
            await app.updater.stop()
            await app.stop()
        return replied

    started = time.monotonic()
    assert asyncio.run(main())
    assert time.monotonic() - started < 5
    [reply] = tg.sent
    assert reply.chat_id == 1001
    assert reply.text == "<b>Welcome</b>, ['now']"
    assert reply.parse_mode == "HTML"
    # the user's /start was message 1 in that chat
    assert reply.message_id == 2
    assert tg.rejected == []
    methods = {method for method, _ in tg.requests}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= methods
    assert tg.pending_updates() == []


def test_wait_for_times_out_and_stop_ends_a_pending_long_poll() -> None:
    fake = FakeTelegram().start()
    assert fake.wait_for(lambda sent: bool(sent), timeout=0.1) is False

    results: list[float] = []

    def poll() -> None:
        started = time.monotonic()
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(f"{fake.base_url}{fake.token}/getUpdates", json={"timeout": 30}, timeout=5)
        results.append(time.monotonic() - started)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.1)
    stopped = time.monotonic()
    fake.stop()
    assert time.monotonic() - stopped < 0.9
    poller.join(timeout=5)
    # well before the 1 s long-poll cap: stop() woke it
    assert results and results[0] < 0.9
