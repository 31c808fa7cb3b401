"""The Telegram application: handlers wired to the store, one error handler, long polling.

The token comes from TELEGRAM_BOT_TOKEN only and is scrubbed from every log line.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import messages
from bot.chats import Chats
from bot.commands import Commands
from bot.delivery import Delivery
from bot.jobs import Jobs
from bot.settings_menu import SettingsMenu
from mediamon.analysis.divergence import Comparer
from mediamon.config import Config
from mediamon.errors import ConfigError
from mediamon.store import Store

log = logging.getLogger("mediamon.bot")

COMMANDS = [
    ("start", "subscribe this chat"),
    ("stop", "unsubscribe"),
    ("settings", "alerts, digest time, quiet hours"),
    ("latest", "recent contacts, diverging first"),
    ("event", "one contact side by side"),
    ("sources", "sources and their health"),
    ("status", "last and next crawl"),
    ("help", "what the bot does"),
]
# Commands count in private chats, groups (addressed or not) and channel posts.
EVERYWHERE = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


def bot_token() -> str:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export its token"
        )
    return token


class RedactToken(logging.Filter):
    """Keeps the token out of every log line (httpx logs request URLs, which contain it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


def build_application(config: Config, store: Store, token: str) -> Application:
    application = (
        Application.builder()
        .token(token)
        .base_url(config.telegram.api_base_url)
        .post_init(_register_commands)
        .build()
    )
    commands = Commands(config, store, Comparer(config))
    menu = SettingsMenu(commands)
    chats = Chats(commands)
    handlers = {
        "start": commands.start,
        "stop": commands.stop,
        "unsubscribe": commands.stop,
        "settings": menu.open,
        "latest": commands.latest,
        "event": commands.event,
        "sources": commands.sources,
        "status": commands.status,
        "help": commands.help,
        "stats": commands.stats,
        "crawl": commands.crawl,
    }
    for name, handler in handlers.items():
        application.add_handler(CommandHandler(name, handler, filters=EVERYWHERE))
    application.add_handler(CallbackQueryHandler(menu.tap, pattern=r"^set:"))
    application.add_handler(CallbackQueryHandler(chats.button))
    application.add_handler(ChatMemberHandler(chats.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chats.migration))
    application.add_handler(MessageHandler(filters.COMMAND & EVERYWHERE, commands.unknown))
    application.add_error_handler(_error_handler(config))
    return application


async def _register_commands(application: Application) -> None:
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


def _error_handler(
    config: Config,
) -> Callable[[object, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        if error is None:
            return
        log.error(
            "error while handling an update:\n%s",
            "".join(traceback.format_exception(type(error), error, error.__traceback__)),
        )
        where = "an update"
        if (
            isinstance(update, Update)
            and update.effective_message
            and update.effective_message.text
        ):
            where = update.effective_message.text.split()[0]
            try:
                await update.effective_message.reply_text(messages.APOLOGY, do_quote=False)
            except Exception:  # the apology must not raise a second report
                log.warning("could not send the apology")
        for admin in config.telegram.admins:
            try:
                await context.bot.send_message(
                    admin, messages.error_report(error, where), parse_mode=ParseMode.HTML
                )
            except Exception:
                log.warning("could not notify admin %s", html.escape(str(admin)))

    return on_error


def run_bot(config: Config, store: Store, *, scheduler: bool = False) -> None:
    """Long polling until SIGINT or SIGTERM, delivering the outbox meanwhile; with
    `scheduler`, crawls and digests run on the config's schedule too (`mediamon run`)."""
    token = bot_token()
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = build_application(config, store, token)
    stop = asyncio.Event()
    background: list[asyncio.Task[None]] = []

    async def started(app: Application) -> None:
        await _register_commands(app)
        background.append(asyncio.create_task(Delivery(app.bot, store).run(stop)))
        if scheduler:
            Jobs(config, store).start()

    async def stopping(app: Application) -> None:
        stop.set()
        for task in background:
            await task

    application.post_init = started
    application.post_stop = stopping
    application.run_polling(allowed_updates=Update.ALL_TYPES)


def run_scheduler_only(config: Config, store: Store) -> None:
    """`mediamon run` without a token: crawl on schedule, print what would be sent."""
    import signal

    async def main() -> None:
        jobs = Jobs(config, store, print_instead=True)
        jobs.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        if jobs.scheduler is not None:
            jobs.scheduler.shutdown(wait=False)

    asyncio.run(main())
