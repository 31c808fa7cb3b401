"""mediamon: watches two governments' accounts of their contacts and the press around them.

This package holds what the crawler and the bot share: configuration, the store and the
command line. It imports neither Scrapy nor python-telegram-bot.
"""

__version__ = "0.1.0"
