"""The Telegram side of mediamon: commands, settings, digests and alert delivery.

Everything here talks to Telegram through python-telegram-bot; nothing else in the
project does.
"""
