"""Command handlers: parse the update, call the store, answer in escaped HTML.

Works in private chats, groups (commands addressed @botname), channels where the bot is an
admin (channel posts) and forum topics (replies go to the topic).
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import messages
from mediamon.analysis.divergence import Comparer
from mediamon.config import Config
from mediamon.store import Store, utcnow

log = logging.getLogger(__name__)
LATEST = 10


class Commands:
    def __init__(self, config: Config, store: Store, comparer: Comparer) -> None:
        self.config = config
        self.store = store
        self.comparer = comparer

    # -- helpers ---------------------------------------------------------------------------

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        chat = update.effective_chat
        admins = set(self.config.telegram.admins)
        return bool(
            (user and user.id in admins) or (chat and chat.type == "private" and chat.id in admins)
        )

    @staticmethod
    async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        message = update.effective_message
        if message is None:
            return
        await message.reply_text(
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            do_quote=False,
            disable_web_page_preview=True,
        )

    # -- subscription ----------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, message = update.effective_chat, update.effective_message
        assert chat is not None
        thread = message.message_thread_id if message and message.is_topic_message else None
        subscriber, _ = self.store.subscribe(
            chat.id,
            chat.type,
            chat.title or chat.full_name,
            utcnow(),
            thread_id=thread,
        )
        await self.reply(update, messages.welcome(self.config, subscriber.settings))

    async def stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        if not self.store.unsubscribe(chat.id, utcnow()):
            await self.reply(update, messages.NOT_SUBSCRIBED)
            return
        back = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Subscribe again", callback_data="resubscribe")]]
        )
        await self.reply(update, messages.GOODBYE, back)

    # -- browsing --------------------------------------------------------------------------

    async def latest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        events = self.store.events(limit=LATEST * 3)
        judged = [(event, self.comparer.compare(event)) for event in events]
        judged.sort(key=lambda pair: (not pair[1].diverging, -pair[0].date.toordinal()))
        judged = judged[:LATEST]
        buttons = [
            InlineKeyboardButton(str(number), callback_data=f"event:{event.id}"[:64])
            for number, (event, _) in enumerate(judged, 1)
        ]
        rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
        await self.reply(
            update,
            messages.latest(judged, self.config),
            InlineKeyboardMarkup(rows) if rows else None,
        )

    async def event(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not context.args:
            await self.reply(update, messages.usage("/event", "<id> (see /latest)"))
            return
        await self.show_event(update, context.args[0])

    async def show_event(self, update: Update, event_id: str) -> None:
        found = self.store.events(event_id=event_id)
        if not found:
            await self.reply(
                update,
                f"No contact with the id <code>{messages.escape(event_id)}</code>. "
                "See /latest for recent ones.",
            )
            return
        event = found[0]
        await self.reply(
            update, messages.event_view(event, self.comparer.compare(event), self.config)
        )

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        configured = {source.name for source in self.config.sources}
        health = [h for h in self.store.source_health() if h.name in configured]
        await self.reply(update, messages.sources_text(health))

    async def status(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        runs = self.store.runs(limit=1)
        schedule = self.config.schedule
        trigger = CronTrigger.from_crontab(schedule.crawl, timezone=schedule.timezone)
        next_crawl: datetime | None = trigger.get_next_fire_time(
            None, datetime.now(trigger.timezone)
        )
        await self.reply(
            update, messages.status_text(runs[0] if runs else None, next_crawl, self.store.counts())
        )

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.reply(update, messages.help_text(self.is_admin(update)))

    async def unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or not message.text:
            return
        command = message.text.split()[0]
        addressed = (
            "@" in command
            and command.split("@", 1)[1].lower() == (context.bot.username or "").lower()
        )
        if chat.type == "private" or addressed:
            await self.reply(
                update, f"Unknown command {messages.escape(command)}. /help lists them."
            )

    # -- admin -----------------------------------------------------------------------------

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.is_admin(update):
            await self.reply(update, messages.NOT_ALLOWED)
            return
        kinds: dict[str, int] = {}
        for subscriber in self.store.subscribers():
            if subscriber.active:
                kinds[subscriber.chat_type] = kinds.get(subscriber.chat_type, 0) + 1
        await self.reply(
            update, messages.stats_text(self.store.counts(), kinds, self.store.outbox_counts())
        )

    async def crawl(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.is_admin(update):
            await self.reply(update, messages.NOT_ALLOWED)
            return
        await self.reply(update, "Crawl started. I will report here when it ends.")
        # in the background: the bot keeps answering while the crawl runs
        context.application.create_task(self._crawl_and_report(update), update=update)

    async def _crawl_and_report(self, update: Update) -> None:
        from bot.jobs import crawl_in_subprocess

        summary = await crawl_in_subprocess(self.config)
        await self.reply(update, f"Crawl finished: {messages.escape(summary)}")
