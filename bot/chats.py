"""How chats come and go: blocked or removed, back again, a group turned supergroup; and
the buttons that are not settings (resubscribe, open an event)."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot.commands import Commands
from mediamon.store import utcnow

GONE = {ChatMember.BANNED: "blocked", ChatMember.LEFT: "removed"}


class Chats:
    def __init__(self, commands: Commands) -> None:
        self.commands = commands
        self.store = commands.store

    async def membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was blocked, kicked or removed: pause; let back in: resume."""
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        chat_id = change.chat.id
        if status in GONE:
            self.store.pause(chat_id, GONE[status], utcnow())
        elif status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER):
            subscriber = self.store.subscriber(chat_id)
            if subscriber is not None and subscriber.paused:
                self.store.pause(chat_id, None, utcnow())

    async def migration(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            self.store.migrate_chat(message.chat_id, message.migrate_to_chat_id, utcnow())
        elif message.migrate_from_chat_id:
            self.store.migrate_chat(message.migrate_from_chat_id, message.chat_id, utcnow())

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat = update.effective_chat
        assert query is not None and chat is not None and query.data
        if query.data == "resubscribe":
            self.store.subscribe(chat.id, chat.type, chat.title or chat.full_name, utcnow())
            await query.answer("Subscribed")
            await self.commands.reply(
                update, "Welcome back. /settings shows what you will receive."
            )
        elif query.data.startswith("event:"):
            await query.answer()
            await self.commands.show_event(update, query.data.removeprefix("event:"))
        else:
            await query.answer()
