"""/settings: an inline keyboard; every tap changes one setting, saves it, and redraws the
message in place."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import messages
from bot.commands import Commands
from mediamon.store import utcnow
from mediamon.subscriptions import DIGEST_CHOICES, QUIET_CHOICES, TIMEZONE_CHOICES, Settings

T = TypeVar("T")


def keyboard(settings: Settings) -> InlineKeyboardMarkup:
    quiet = f"{settings.quiet[0]:02d}–{settings.quiet[1]:02d}" if settings.quiet else "off"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"Instant alerts: {'on' if settings.instant else 'off'}",
                    callback_data="set:instant",
                )
            ],
            [InlineKeyboardButton(f"Digest: {settings.digest}", callback_data="set:digest")],
            [
                InlineKeyboardButton("◀ hour", callback_data="set:hour:-1"),
                InlineKeyboardButton(f"{settings.digest_hour:02d}:00", callback_data="set:noop"),
                InlineKeyboardButton("hour ▶", callback_data="set:hour:+1"),
            ],
            [InlineKeyboardButton(f"Time zone: {settings.timezone}", callback_data="set:tz")],
            [
                InlineKeyboardButton(
                    f"Agreeing contacts: {'included' if settings.include_agreeing else 'left out'}",
                    callback_data="set:agreeing",
                )
            ],
            [InlineKeyboardButton(f"Quiet hours: {quiet}", callback_data="set:quiet")],
            [InlineKeyboardButton("Done", callback_data="set:done")],
        ]
    )


def changed(settings: Settings, action: str) -> Settings:
    """The settings after one tap."""
    if action == "instant":
        return replace(settings, instant=not settings.instant)
    if action == "digest":
        return replace(settings, digest=_next(DIGEST_CHOICES, settings.digest))
    if action.startswith("hour:"):
        return replace(settings, digest_hour=(settings.digest_hour + int(action[5:])) % 24)
    if action == "tz":
        return replace(settings, timezone=_next(TIMEZONE_CHOICES, settings.timezone))
    if action == "agreeing":
        return replace(settings, include_agreeing=not settings.include_agreeing)
    if action == "quiet":
        return replace(settings, quiet=_next(QUIET_CHOICES, settings.quiet))
    return settings


def _next(choices: tuple[T, ...], current: T) -> T:
    return (
        choices[(choices.index(current) + 1) % len(choices)] if current in choices else choices[0]
    )


class SettingsMenu:
    def __init__(self, commands: Commands) -> None:
        self.commands = commands
        self.store = commands.store

    async def open(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        subscriber = self.store.subscriber(chat.id)
        if subscriber is None or not subscriber.active:
            await self.commands.reply(update, messages.NOT_SUBSCRIBED)
            return
        if context.args:
            await self._typed(update, subscriber.settings, context.args)
            return
        await self.commands.reply(
            update, messages.settings_text(subscriber.settings), keyboard(subscriber.settings)
        )

    async def _typed(self, update: Update, settings: Settings, args: list[str]) -> None:
        if len(args) == 2 and args[0] in ("timezone", "tz"):
            try:
                ZoneInfo(args[1])
            except (ZoneInfoNotFoundError, ValueError):
                await self.commands.reply(
                    update, messages.usage("/settings timezone", "Area/City, e.g. Europe/Berlin")
                )
                return
            settings = replace(settings, timezone=args[1])
            assert update.effective_chat is not None
            self.store.save_settings(update.effective_chat.id, settings, utcnow())
            await self.commands.reply(update, messages.settings_text(settings), keyboard(settings))
            return
        await self.commands.reply(
            update, messages.usage("/settings", "(or /settings timezone Area/City)")
        )

    async def tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat = update.effective_chat
        assert query is not None and chat is not None and query.data
        action = query.data.removeprefix("set:")
        subscriber = self.store.subscriber(chat.id)
        if subscriber is None or not subscriber.active:
            await query.answer("Not subscribed: /start first")
            return
        if action == "done":
            await query.answer("Saved")
            await query.edit_message_text(
                f"Settings saved: {messages.escape(messages.describe(subscriber.settings))}.",
                parse_mode=ParseMode.HTML,
            )
            return
        settings = changed(subscriber.settings, action)
        if settings == subscriber.settings:
            await query.answer()
            return
        self.store.save_settings(chat.id, settings, utcnow())
        await query.answer("Saved")
        await query.edit_message_text(
            messages.settings_text(settings),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(settings),
        )
