"""Loopback fake of the Telegram Bot API that the real python-telegram-bot can talk to.

``FakeTelegram`` answers ``/bot<TOKEN>/<method>`` the way api.telegram.org does (same
``{"ok": ..., "result" | "error_code", "description", "parameters"}`` envelope and HTTP
statuses, so python-telegram-bot raises its usual ``BadRequest``, ``Forbidden``,
``RetryAfter`` and ``ChatMigrated``), queues scripted updates for ``getUpdates`` long
polling, validates outgoing text the way Telegram does (HTML entity parsing, 4096
character limit, inline keyboards) and records everything the bot sent.

Standard library only and independent of pytest, so benchmarks can import it too::

    with FakeTelegram() as tg:
        app = Application.builder().token(tg.token).base_url(tg.base_url).build()
        ...
        tg.send_command(42, "/start")
        assert tg.wait_for(lambda sent: any(m.chat_id == 42 for m in sent))
"""

from __future__ import annotations

import contextlib
import email.message
import email.parser
import email.policy
import email.utils
import http.server
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackServer

__all__ = [
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_ENTITIES",
    "MAX_TEXT_LENGTH",
    "FakeTelegram",
    "HtmlEntityError",
    "SentMessage",
    "parse_html",
]

MAX_TEXT_LENGTH = 4096
MAX_ENTITIES = 100
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
# Telegram holds a getUpdates open for up to `timeout` seconds; tests would sit through
# that on every shutdown, so the fake never waits longer than this.
LONG_POLL_CAP_SECONDS = 1.0

_DEFAULT_TOKEN = "123456:TEST-token-for-the-fake-server-000"
_DEFAULT_GROUP_USER_ID = 1
_CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
_UPDATE_TYPES = ("message", "channel_post", "callback_query", "my_chat_member")

# Canonical method names; Telegram matches them case-insensitively.
_METHODS = {
    name.lower(): name
    for name in (
        "getMe",
        "getUpdates",
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "deleteWebhook",
        "close",
        "logOut",
    )
}

# Form-encoded parameters arrive as strings (python-telegram-bot JSON-dumps everything
# that is not already a str); Telegram types them by field name, and so does the fake,
# so `requests` and `sent` hold ints, bools and parsed objects whichever encoding was used.
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_web_page_preview",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "show_alert",
        "drop_pending_updates",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "link_preview_options",
        "reply_parameters",
        "commands",
        "scope",
        "allowed_updates",
    }
)

_INLINE_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)

_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"

_ADMIN_RIGHTS = dict.fromkeys(
    (
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_post_messages",
        "can_edit_messages",
        "can_pin_messages",
        "can_manage_topics",
    ),
    True,
) | {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False}

_RESTRICTED_RIGHTS = dict.fromkeys(
    (
        "can_change_info",
        "can_invite_users",
        "can_pin_messages",
        "can_send_messages",
        "can_send_polls",
        "can_send_other_messages",
        "can_add_web_page_previews",
        "can_manage_topics",
        "can_send_audios",
        "can_send_documents",
        "can_send_photos",
        "can_send_videos",
        "can_send_video_notes",
        "can_send_voice_notes",
        "can_edit_tag",
        "can_react_to_messages",
    ),
    False,
) | {"is_member": True, "until_date": 0}


@dataclass(frozen=True)
class SentMessage:
    """One accepted sendMessage or editMessageText, as the bot asked for it.

    ``text`` is the text as sent (HTML tags and all); ``plain_text`` and ``entities``
    are what Telegram made of it. ``disable_web_page_preview`` is the legacy parameter
    if the bot used it, else ``link_preview_options["is_disabled"]`` if that was sent
    (python-telegram-bot 22 always sends the latter), else None. ``time`` is
    ``time.monotonic()`` at acceptance.
    """

    method: str
    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None = field(hash=False)
    message_thread_id: int | None
    disable_web_page_preview: bool | None
    link_preview_options: dict[str, Any] | None = field(hash=False)
    time: float
    plain_text: str
    entities: tuple[dict[str, Any], ...] = field(hash=False)
    params: dict[str, Any] = field(hash=False, repr=False)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row (empty without one)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


class HtmlEntityError(ValueError):
    """Text that Telegram would refuse with "can't parse entities: <message>"."""


class _ApiError(Exception):
    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(reason: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {reason}")


# -- HTML parse mode --------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Telegram's parser (tdlib) treats only these as white space inside tags.
_TAG_SPACE = " \t\r\n"


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int  # UTF-16 code units, as Telegram counts entity offsets
    language: str | None = None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _decode_html_entity(text: str, start: int) -> tuple[str, int] | None:
    """The character ``&...;`` at ``start`` stands for and the index after it, if valid."""
    end = text.find(";", start + 1, start + 12)
    if end == -1:
        return None
    body = text[start + 1 : end]
    if body.startswith(("#x", "#X")):
        digits, base = body[2:], 16
        valid = bool(digits) and all(c in "0123456789abcdefABCDEF" for c in digits)
    elif body.startswith("#"):
        digits, base = body[1:], 10
        valid = bool(digits) and all(c in "0123456789" for c in digits)
    else:
        char = _NAMED_HTML_ENTITIES.get(body)
        return (char, end + 1) if char is not None else None
    if not valid:
        return None
    code = int(digits, base)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), end + 1


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse ``text`` in Telegram's HTML parse mode into (plain text, message entities).

    Follows Telegram's parser (tdlib's ``parse_html``) and its error wording, with one
    deliberate difference: Telegram silently keeps a ``&`` that starts no entity, while
    this raises, because unescaped text in HTML is nearly always a bug that a
    differently worded message would turn into a real parse error.

    Raises HtmlEntityError with Telegram's description (without the "can't parse
    entities: " prefix).
    """
    out: list[str] = []
    utf16 = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0

    def fail(message: str) -> HtmlEntityError:
        return HtmlEntityError(message)

    def unescape(start: int) -> tuple[str, int]:
        decoded = _decode_html_entity(text, start)
        if decoded is None:
            raise fail(
                f"Character '&' at byte offset {_byte_offset(text, start)} starts no "
                "supported HTML entity; escape it as &amp;"
            )
        return decoded

    while i < n:
        char = text[i]
        if char == "&":
            char, i = unescape(i)
            out.append(char)
            utf16 += _utf16_len(char)
            continue
        if char != "<":
            out.append(char)
            utf16 += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        if i + 1 < n and text[i + 1] == "/":
            end = text.find(">", i + 2)
            if end == -1:
                raise fail(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            if not stack:
                raise fail(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            name = text[i + 2 : end].strip(_TAG_SPACE).lower()
            open_tag = stack[-1]
            if name and name != open_tag.name:
                raise fail(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{open_tag.name}>", found "</{name}>"'
                )
            stack.pop()
            _close_tag(open_tag, stack, utf16, "".join(out), entities)
            i = end + 1
            continue

        i += 1
        while i < n and text[i] not in _TAG_SPACE and text[i] != ">":
            i += 1
        if i >= n:
            raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        name = text[begin + 1 : i].lower()
        if name not in _HTML_TAGS:
            raise fail(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}')
        attributes: dict[str, str] = {}
        while True:
            while i < n and text[i] in _TAG_SPACE:
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] == ">":
                i += 1
                break
            name_start = i
            while i < n and text[i] not in _TAG_SPACE and text[i] not in "=>":
                i += 1
            attribute = text[name_start:i].lower()
            if not attribute:
                raise fail(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            while i < n and text[i] in _TAG_SPACE:
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] != "=":
                if name == "blockquote" and attribute == "expandable":
                    attributes[attribute] = ""
                    continue
                raise fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {_byte_offset(text, begin)}"
                )
            i += 1
            while i < n and text[i] in _TAG_SPACE:
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            value: list[str] = []
            if text[i] in "\"'":
                quote = text[i]
                i += 1
                while i < n and text[i] != quote:
                    if text[i] == "&":
                        decoded, i = unescape(i)
                        value.append(decoded)
                    else:
                        value.append(text[i])
                        i += 1
                if i >= n:
                    raise fail(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                i += 1
                attributes[attribute] = "".join(value)
            else:
                token_start = i
                while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                    i += 1
                if i >= n or (text[i] not in _TAG_SPACE and text[i] != ">"):
                    raise fail(
                        f"Unexpected end of name token at byte offset "
                        f"{_byte_offset(text, token_start)}"
                    )
                attributes[attribute] = text[token_start:i].lower()
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise fail('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise fail(
                f'Custom emoji identifier must be specified in the tag "tg-emoji" at byte '
                f"offset {_byte_offset(text, begin)}"
            )
        stack.append(_OpenTag(name, attributes, utf16))

    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_tag(
    tag: _OpenTag,
    outer: list[_OpenTag],
    end: int,
    plain: str,
    entities: list[dict[str, Any]],
) -> None:
    language = tag.attributes.get("class", "")
    if (
        tag.name == "code"
        and outer
        and outer[-1].name == "pre"
        and language.startswith("language-")
        and len(language) > len("language-")
    ):
        # <pre><code class="language-x"> is one pre entity with a language, not two.
        outer[-1].language = language.removeprefix("language-")
        return
    length = end - tag.offset
    if length == 0:
        return  # Telegram drops empty entities
    entity: dict[str, Any] = {"type": _TAG_ENTITY[tag.name], "offset": tag.offset, "length": length}
    if tag.name == "a":
        url = tag.attributes.get("href")
        if url is None:
            # Telegram links a bare <a> to its own text.
            encoded = plain.encode("utf-16-le")
            url = encoded[tag.offset * 2 : end * 2].decode("utf-16-le")
        entity["url"] = url
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attributes["emoji-id"]
    entities.append(entity)


# -- the fake ---------------------------------------------------------------------------


@dataclass
class _Stored:
    message: dict[str, Any]
    from_bot: bool
    # What "message is not modified" compares: parsed text, entities and markup.
    content: tuple[str, str, str] | None = None


class FakeTelegram:
    """A threaded Bot API server on 127.0.0.1 for one bot token.

    Chats need no introduction: an unknown positive chat id is a private chat, an id
    of the form -100… a supergroup and any other negative id a group, unless
    ``send_command``, ``send_text``, ``send_channel_post``, ``set_membership`` or
    ``migrate_group`` introduced it with another type (and title).

    Thread-safe: the scripting and observation methods may be called from any thread
    while the bot talks to the server. The public lists are appended to under a lock;
    read them directly or take a consistent snapshot through ``wait_for``.
    """

    def __init__(
        self, token: str = _DEFAULT_TOKEN, bot_username: str = "mediamon_test_bot"
    ) -> None:
        bot_id, sep, secret = token.partition(":")
        if not (bot_id.isdigit() and sep and secret):
            raise ValueError("a bot token looks like '<digits>:<secret>'")
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(bot_id)
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_username.removesuffix("_bot").replace("_", " ").title() or "Bot",
            "username": bot_username,
        }
        self.sent: list[SentMessage] = []
        self.commands: list[dict[str, Any]] | None = None
        self.answered_callbacks: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.rejected: list[tuple[str, str]] = []
        # Unexpected exceptions raised while handling a request (answered with 500);
        # kept rather than printed so tests stay quiet yet can assert on them.
        self.errors: list[BaseException] = []

        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: frozenset[str] | None = None
        self._chats: dict[int, dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], _Stored] = {}
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._blocked: set[int] = set()
        self._not_found: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._rate_every = 0
        self._rate_retry_after = 1
        self._send_count = 0
        self._command_sets: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # Bumped whenever `sent` grows, so wait_for can't miss a change between its
        # snapshot and its wait.
        self._version = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        if self._server is not None:
            raise RuntimeError("FakeTelegram can only be started once")
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeTelegram:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        server = self._server
        if server is None or self._stopping.is_set():
            return
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=1)

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- updates the bot will receive -----------------------------------------------------

    def send_command(
        self,
        chat_id: int,
        text: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        title: str | None = None,
        thread_id: int | None = None,
        username: str = "someone",
    ) -> int:
        """A user sends ``text`` (starting with a /command) to the chat; returns the update_id.

        The command, ``@botname`` suffix included, gets a bot_command entity as Telegram
        sets. ``user_id`` defaults to ``chat_id`` in a private chat and to 1 elsewhere.
        """
        command = text.split(maxsplit=1)[0] if text.strip() else ""
        if not command.startswith("/") or len(command) < 2:
            raise ValueError(f"send_command needs text starting with a /command, got {text!r}")
        entity = {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
        return self._user_message(
            chat_id, text, [entity], chat_type, user_id, title, thread_id, username
        )

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        title: str | None = None,
        thread_id: int | None = None,
        username: str = "someone",
    ) -> int:
        """A user sends plain ``text`` (no entities) to the chat; returns the update_id."""
        if not text:
            raise ValueError("Telegram delivers no empty text messages")
        return self._user_message(chat_id, text, [], chat_type, user_id, title, thread_id, username)

    def send_channel_post(self, chat_id: int, text: str, title: str = "Channel") -> int:
        """A post in a channel the bot administers; a leading /command gets its entity."""
        if chat_id >= 0:
            raise ValueError("channel ids are negative")
        with self._lock:
            chat = self._introduce(chat_id, "channel", title=title)
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "sender_chat": chat,
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            command = text.split(maxsplit=1)[0] if text.strip() else ""
            if command.startswith("/") and len(command) > 1:
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
                ]
            self._messages[(chat_id, message["message_id"])] = _Stored(message, from_bot=False)
            return self._enqueue("channel_post", message)

    def press_button(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> int:
        """A user presses the inline button with callback ``data`` on a message the bot sent.

        The callback query carries the message as it is now (after any edits). Raises
        ValueError if the bot sent no such message or its keyboard has no such button,
        since Telegram could not deliver that press either.
        """
        with self._lock:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or not stored.from_bot:
                raise ValueError(f"the bot sent no message {message_id} to chat {chat_id}")
            rows = stored.message.get("reply_markup", {}).get("inline_keyboard", [])
            offered = [b.get("callback_data") for row in rows for b in row]
            if data not in offered:
                raise ValueError(
                    f"message {message_id} in chat {chat_id} has no button with callback data "
                    f"{data!r}; it offers {offered}"
                )
            chat = self._chat(chat_id)
            query_id = f"{self.bot_id}{next(self._callback_ids):08d}"
            self._open_callbacks.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(self._default_user(chat_id, user_id), chat.get("username")),
                "message": json.loads(json.dumps(stored.message)),
                "chat_instance": str(abs(chat_id) * 7919 + 1_000_000_000_000_000),
                "data": data,
            }
            return self._enqueue("callback_query", query)

    def set_membership(
        self,
        chat_id: int,
        new_status: str,
        *,
        chat_type: str = "private",
        old_status: str = "member",
        user_id: int = 1,
        title: str | None = None,
    ) -> int:
        """The bot's own membership in the chat changes (a my_chat_member update).

        As on Telegram, losing the chat ("kicked" — a user blocking the bot — or "left")
        also makes sends to it fail with 403 until it is "member"/"administrator" again.
        """
        for status in (new_status, old_status):
            if status not in _MEMBER_STATUSES:
                raise ValueError(f"unknown status {status!r}; expected one of {_MEMBER_STATUSES}")
        with self._lock:
            chat = self._introduce(chat_id, chat_type, title=title)
            if new_status in ("kicked", "left"):
                self._blocked.add(chat_id)
            else:
                self._blocked.discard(chat_id)
            update = {
                "chat": chat,
                "from": self._user(user_id, None),
                "date": int(time.time()),
                "old_chat_member": self._bot_member(old_status),
                "new_chat_member": self._bot_member(new_status),
            }
            return self._enqueue("my_chat_member", update)

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> int:
        """Upgrade a group to a supergroup, as Telegram reports it: a service message with
        migrate_to_chat_id in the old group, then one with migrate_from_chat_id in the new
        supergroup. Sending to the old id fails with ChatMigrated from then on (see
        ``migrated``). Returns the update_id of the second (last) update.
        """
        if old_chat_id >= 0 or new_chat_id >= 0:
            raise ValueError("group and supergroup ids are negative")
        with self._lock:
            old_chat = self._introduce(old_chat_id, "group")
            new_chat = self._introduce(new_chat_id, "supergroup", title=old_chat.get("title"))
            user = self._user(_DEFAULT_GROUP_USER_ID, None)
            now = int(time.time())
            for chat, key, value in (
                (old_chat, "migrate_to_chat_id", new_chat_id),
                (new_chat, "migrate_from_chat_id", old_chat_id),
            ):
                message = {
                    "message_id": self._take_message_id(chat["id"]),
                    "from": user,
                    "chat": chat,
                    "date": now,
                    key: value,
                }
                update_id = self._enqueue("message", message)
            self._migrated[old_chat_id] = new_chat_id
            return update_id

    # -- behaviour switches -------------------------------------------------------------

    def block(self, chat_id: int) -> None:
        """sendMessage / editMessageText to the chat answer 403 from now on.

        The description is Telegram's for the chat's type: "Forbidden: bot was blocked by
        the user" in a private chat, "... kicked from the group chat" etc. elsewhere.
        """
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def chat_not_found(self, chat_id: int) -> None:
        """sendMessage / editMessageText to the chat answer 400 "chat not found"."""
        with self._lock:
            self._not_found.add(chat_id)

    def migrated(self, old_chat_id: int, new_chat_id: int) -> None:
        """sendMessage to ``old_chat_id`` answers 400 with parameters.migrate_to_chat_id."""
        with self._lock:
            self._migrated[old_chat_id] = new_chat_id
            self._introduce(new_chat_id, "supergroup")

    def rate_limit(self, every: int, retry_after: int = 1) -> None:
        """Every ``every``-th sendMessage from now on answers 429 with ``retry_after``
        (the count restarts here); 0 turns flood control off.
        """
        if every < 0 or retry_after < 1:
            raise ValueError("every must be >= 0 and retry_after >= 1")
        with self._lock:
            self._rate_every = every
            self._rate_retry_after = retry_after
            self._send_count = 0

    # -- observation ---------------------------------------------------------------------

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Accepted sendMessage and editMessageText calls for the chat, in order."""
        with self._lock:
            return [m for m in self.sent if m.chat_id == chat_id]

    def wait_for(
        self, predicate: Callable[[list[SentMessage]], bool], timeout: float = 5.0
    ) -> bool:
        """Block until ``predicate(snapshot of sent)`` is true; False if ``timeout`` ran out."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                snapshot, version = list(self.sent), self._version
            # Evaluated without the lock so the predicate may call back into the fake.
            if predicate(snapshot):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._changed:
                if self._version == version:
                    self._changed.wait(remaining)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset (delivered or not)."""
        with self._lock:
            return [dict(u) for u in self._updates]

    # -- request handling (called from server threads) ----------------------------------

    def _handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        """Answer one API call: (HTTP status, JSON envelope)."""
        name = _METHODS.get(method.lower(), method)
        with self._lock:
            self.requests.append((name, params))
        try:
            if token != self.token:
                raise _ApiError(401, "Unauthorized")
            handler = getattr(self, f"_api_{name}", None)
            if name.lower() not in _METHODS or handler is None:
                raise _ApiError(404, "Not Found")
            result = handler(params)
        except _ApiError as error:
            with self._changed:
                self.rejected.append((name, error.description))
                self._changed.notify_all()
            return error.code, error.envelope()
        return 200, {"ok": True, "result": result}

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = _optional_int(params, "offset")
        limit = _optional_int(params, "limit")
        limit = 100 if limit is None else min(max(limit, 1), 100)
        timeout = _optional_int(params, "timeout") or 0
        wait = min(max(timeout, 0), LONG_POLL_CAP_SECONDS)
        allowed = params.get("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise _bad_request("can't parse allowed updates")
        deadline = time.monotonic() + wait
        with self._changed:
            if allowed is not None:
                # Like Telegram, the filter sticks until the next getUpdates that sets one.
                self._allowed_updates = frozenset(allowed) or None
            if offset is not None and offset < 0:
                self._updates = self._updates[offset:]
                offset = None
            elif offset is not None:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                ready = [
                    u
                    for u in self._updates
                    if self._allowed_updates is None
                    or any(kind in u for kind in self._allowed_updates)
                ]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._stopping.is_set():
                    return ready[:limit]
                self._changed.wait(remaining)

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._changed:
            self._send_count += 1
            if self._rate_every and self._send_count % self._rate_every == 0:
                retry = self._rate_retry_after
                raise _ApiError(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )
        text, plain, entities, parse_mode = _message_text(params)
        markup = _reply_markup(params, inline_only=False)
        with self._changed:
            chat_id = self._target_chat(params, check_migration=True)
            chat = self._chat(chat_id)
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "from": self.bot_user,
                "chat": chat,
                "date": int(time.time()),
                "text": plain,
            }
            thread_id = _optional_int(params, "message_thread_id")
            if thread_id is not None:
                message["message_thread_id"] = thread_id
                message["is_topic_message"] = True
            if entities:
                message["entities"] = entities
            if markup is not None and "inline_keyboard" in markup:
                # Telegram only echoes inline keyboards back on the message.
                message["reply_markup"] = markup
            link_preview = params.get("link_preview_options")
            if isinstance(link_preview, dict):
                message["link_preview_options"] = link_preview
            self._messages[(chat_id, message["message_id"])] = _Stored(
                message, from_bot=True, content=_content_key(plain, entities, markup)
            )
            self._record("sendMessage", params, message, text, parse_mode, markup)
            return message

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise _bad_request("MESSAGE_ID_INVALID")
        text, plain, entities, parse_mode = _message_text(params)
        markup = _reply_markup(params, inline_only=True)
        with self._changed:
            chat_id = self._target_chat(params, check_migration=False)
            message_id = _optional_int(params, "message_id")
            if message_id is None:
                raise _bad_request("message identifier is not specified")
            stored = self._messages.get((chat_id, message_id))
            if stored is None:
                raise _bad_request("message to edit not found")
            if not stored.from_bot:
                raise _bad_request("message can't be edited")
            content = _content_key(plain, entities, markup)
            if content == stored.content:
                raise _ApiError(400, _NOT_MODIFIED)
            message = {
                key: value
                for key, value in stored.message.items()
                if key not in ("text", "entities", "reply_markup", "link_preview_options")
            }
            message.update(text=plain, edit_date=int(time.time()))
            if entities:
                message["entities"] = entities
            if markup is not None and markup.get("inline_keyboard"):
                message["reply_markup"] = markup
            link_preview = params.get("link_preview_options")
            if isinstance(link_preview, dict):
                message["link_preview_options"] = link_preview
            stored.message, stored.content = message, content
            self._record("editMessageText", params, message, text, parse_mode, markup)
            return message

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        with self._changed:
            if query_id not in self._open_callbacks:
                raise _bad_request(
                    "query is too old and response timeout expired or query ID is invalid"
                )
            self._open_callbacks.discard(query_id)
            self.answered_callbacks.append(dict(params))
            self._changed.notify_all()
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands specified")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _BOT_COMMAND_RE.fullmatch(name):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        listed = [{"command": c["command"], "description": c["description"]} for c in commands]
        with self._changed:
            self._command_sets[_command_scope(params)] = listed
            self.commands = listed
            self._changed.notify_all()
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._command_sets.get(_command_scope(params), []))

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._command_sets.pop(_command_scope(params), None)
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            with self._lock:
                self._updates.clear()
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True

    # -- state helpers (callers hold the lock) ---------------------------------------

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        message: dict[str, Any],
        text: str,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
    ) -> None:
        link_preview = params.get("link_preview_options")
        link_preview = link_preview if isinstance(link_preview, dict) else None
        no_preview = params.get("disable_web_page_preview")
        if no_preview is None and link_preview is not None:
            no_preview = link_preview.get("is_disabled")
        self.sent.append(
            SentMessage(
                method=method,
                chat_id=message["chat"]["id"],
                message_id=message["message_id"],
                text=text,
                parse_mode=parse_mode,
                reply_markup=markup,
                message_thread_id=_optional_int(params, "message_thread_id"),
                disable_web_page_preview=None if no_preview is None else bool(no_preview),
                link_preview_options=link_preview,
                time=time.monotonic(),
                plain_text=message["text"],
                entities=tuple(message.get("entities", ())),
                params=dict(params),
            )
        )
        self._version += 1
        self._changed.notify_all()

    def _target_chat(self, params: dict[str, Any], *, check_migration: bool) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            # "@channelusername": the fake knows chats by id only.
            raise _bad_request("chat not found")
        if chat_id in self._not_found:
            raise _bad_request("chat not found")
        if check_migration and chat_id in self._migrated:
            raise _ApiError(400, _MIGRATED, {"migrate_to_chat_id": self._migrated[chat_id]})
        if chat_id in self._blocked:
            raise _ApiError(403, _forbidden_description(self._chat(chat_id)["type"]))
        return chat_id

    def _chat(self, chat_id: int) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}

    def _introduce(
        self,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        forum: bool = False,
    ) -> dict[str, Any]:
        if chat_type not in _CHAT_TYPES:
            raise ValueError(f"unknown chat type {chat_type!r}; expected one of {_CHAT_TYPES}")
        if (chat_type == "private") != (chat_id > 0):
            raise ValueError(
                f"chat {chat_id}: private chats have positive ids, all others negative"
            )
        known = self._chats.get(chat_id, {})
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            name = username or known.get("username") or f"user{chat_id}"
            chat.update(first_name=name.title(), username=name)
        else:
            chat["title"] = title or known.get("title") or f"{chat_type.title()} {chat_id}"
        if forum or known.get("is_forum"):
            chat["is_forum"] = True
        self._chats[chat_id] = chat
        return chat

    def _user_message(
        self,
        chat_id: int,
        text: str,
        entities: list[dict[str, Any]],
        chat_type: str,
        user_id: int | None,
        title: str | None,
        thread_id: int | None,
        username: str,
    ) -> int:
        if chat_type == "channel":
            raise ValueError("users don't message channels; use send_channel_post")
        with self._lock:
            chat = self._introduce(
                chat_id,
                chat_type,
                title=title,
                username=username if chat_type == "private" else None,
                forum=thread_id is not None and chat_type == "supergroup",
            )
            message: dict[str, Any] = {
                "message_id": self._take_message_id(chat_id),
                "from": self._user(self._default_user(chat_id, user_id), username),
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            if thread_id is not None:
                message["message_thread_id"] = thread_id
                message["is_topic_message"] = True
            if entities:
                message["entities"] = entities
            self._messages[(chat_id, message["message_id"])] = _Stored(message, from_bot=False)
            return self._enqueue("message", message)

    def _default_user(self, chat_id: int, user_id: int | None) -> int:
        if user_id is not None:
            return user_id
        return chat_id if chat_id > 0 else _DEFAULT_GROUP_USER_ID

    @staticmethod
    def _user(user_id: int, username: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": username.title() if username else f"User {user_id}",
            "language_code": "en",
        }
        if username:
            user["username"] = username
        return user

    def _bot_member(self, status: str) -> dict[str, Any]:
        member: dict[str, Any] = {"user": self.bot_user, "status": status}
        # python-telegram-bot refuses ChatMember objects missing any field Telegram sends.
        if status == "administrator":
            member.update(_ADMIN_RIGHTS)
        elif status == "restricted":
            member.update(_RESTRICTED_RIGHTS)
        elif status == "kicked":
            member["until_date"] = 0
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    def _take_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload})
        self._changed.notify_all()
        return update_id


def _forbidden_description(chat_type: str) -> str:
    return {
        "private": "Forbidden: bot was blocked by the user",
        "group": "Forbidden: bot was kicked from the group chat",
        "supergroup": "Forbidden: bot was kicked from the supergroup chat",
        "channel": "Forbidden: bot is not a member of the channel chat",
    }[chat_type]


def _optional_int(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad_request(f'field "{name}" must be of type Integer')
    return value


def _message_text(
    params: dict[str, Any],
) -> tuple[str, str, list[dict[str, Any]], str | None]:
    """(text as sent, plain text, entities, parse_mode) or the Bad Request Telegram gives."""
    text = params.get("text")
    if text is None or text == "":
        raise _bad_request("message text is empty")
    if not isinstance(text, str):
        text = json.dumps(text)
    parse_mode = params.get("parse_mode") or None
    if parse_mode is not None and not isinstance(parse_mode, str):
        raise _bad_request("unsupported parse_mode")
    mode = (parse_mode or "").lower()
    entities: list[dict[str, Any]]
    if mode == "html":
        try:
            plain, entities = parse_html(text)
        except HtmlEntityError as error:
            raise _bad_request(f"can't parse entities: {error}") from None
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown modes are not parsed: the length and entity limits apply to the raw text.
        plain = text
        given = params.get("entities") if not mode else None
        if given is not None and not isinstance(given, list):
            raise _bad_request("can't parse entities JSON object")
        entities = list(given or [])
    else:
        raise _bad_request("unsupported parse_mode")
    if not plain.strip():
        raise _bad_request("message text is empty")
    if len(plain) > MAX_TEXT_LENGTH:
        raise _bad_request("message is too long")
    if len(entities) > MAX_ENTITIES:
        raise _bad_request(
            f"can't parse entities: too many entities ({len(entities)} > {MAX_ENTITIES})"
        )
    return text, plain, entities, parse_mode


def _reply_markup(params: dict[str, Any], *, inline_only: bool) -> dict[str, Any] | None:
    """The parsed reply_markup (None if absent), checked the way Telegram checks it."""
    markup = params.get("reply_markup")
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if inline_only or not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise _bad_request("can't parse inline keyboard markup JSON object")
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise _bad_request("can't parse inline keyboard button: object expected")
            if not isinstance(button.get("text"), str):
                raise _bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            actions = _INLINE_BUTTON_ACTIONS & button.keys()
            if not actions:
                raise _bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if len(actions) > 1:
                raise _bad_request(
                    "can't parse inline keyboard button: a button must have exactly one of "
                    f"{sorted(_INLINE_BUTTON_ACTIONS)}, got {sorted(actions)}"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not data:
                    raise _bad_request("BUTTON_DATA_INVALID")
                if len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
                    raise _bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not url or any(c.isspace() for c in url):
                    raise _bad_request("BUTTON_URL_INVALID")
    return markup


def _content_key(
    plain: str, entities: list[dict[str, Any]], markup: dict[str, Any] | None
) -> tuple[str, str, str]:
    keyboard = (markup or {}).get("inline_keyboard") or []
    # An absent and an empty inline keyboard look the same to a user, and to Telegram.
    return (
        plain,
        json.dumps(entities, sort_keys=True),
        json.dumps(keyboard, sort_keys=True),
    )


def _command_scope(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _typed(name: str, value: Any) -> Any:
    """Coerce a parameter to the type Telegram expects for ``name``; leave junk as is so
    the method's own validation can reject it with Telegram's wording."""
    if name in _JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in _INT_FIELDS and isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
    if name in _BOOL_FIELDS and isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
    return value


def _decode_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    mime = content_type.partition(";")[0].strip().lower()
    if body:
        if mime == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError:
                raise _bad_request("can't parse JSON encoded request parameters") from None
            if not isinstance(decoded, dict):
                raise _bad_request("JSON object expected")
            params.update(decoded)
        elif mime == "application/x-www-form-urlencoded" or not mime:
            form = parse_qs(body.decode(errors="replace"), keep_blank_values=True)
            params.update({k: v[-1] for k, v in form.items()})
        elif mime == "multipart/form-data":
            params.update(_multipart_fields(content_type, body))
        else:
            raise _bad_request(f"unsupported Content-Type {mime!r}")
    return {name: _typed(name, value) for name, value in params.items()}


def _multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise _bad_request("can't parse multipart/form-data request")
    parts = message.get_payload()
    fields: dict[str, Any] = {}
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, email.message.Message):
            continue
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, tuple):
            name = email.utils.collapse_rfc2231_value(name)
        if not name:
            continue
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        # Uploaded files stay bytes; none of the methods the fake serves takes one.
        is_file = part.get_filename() is not None
        fields[name] = payload if is_file else payload.decode(errors="replace")
    return fields


# -- HTTP plumbing ---------------------------------------------------------------------

_PATH_RE = re.compile(r"/bot([^/]+)/([A-Za-z0-9_]+)/?")


class _Server(LoopbackServer):
    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        super().__init__("127.0.0.1", _Handler, fake.errors)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "FakeTelegram/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    # An idle keep-alive connection shouldn't pin a thread for the whole test session.
    timeout = 30

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        target = urlsplit(self.path)
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._answer(400, {"ok": False, "error_code": 400, "description": "Bad Request"})
            return
        match = _PATH_RE.fullmatch(target.path)
        if match is None:
            with fake._lock:
                fake.rejected.append((target.path, "Not Found"))
            self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = match.groups()
        try:
            params = _decode_params(self.headers.get("Content-Type", ""), body, target.query)
            status, envelope = fake._handle(token, method, params)
        except _ApiError as error:
            with fake._lock:
                fake.rejected.append((_METHODS.get(method.lower(), method), error.description))
            status, envelope = error.code, error.envelope()
        except Exception as exc:  # keep serving; the test sees it in fake.errors
            fake.errors.append(exc)
            status = 500
            envelope = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        self._answer(status, envelope)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _answer(self, status: int, envelope: dict[str, Any]) -> None:
        data = json.dumps(envelope, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            # The client gave up (e.g. a cancelled long poll); nothing to tell it.
            self.close_connection = True
