"""The project's own exceptions: the expected failures the command line turns into one line."""


class MediamonError(Exception):
    """Base of every error mediamon expects and reports without a traceback."""

    exit_code = 1


class ConfigError(MediamonError):
    """The configuration file is missing, unreadable or invalid."""

    exit_code = 2


class StorageError(MediamonError):
    """The database cannot be opened, migrated or written."""

    exit_code = 1


class CrawlInProgress(MediamonError):
    """Another crawl holds the crawl lock."""

    # Not a failure: the running crawl does the work, and cron should not mail about it.
    exit_code = 0


class ExtractionError(MediamonError):
    """An input given to `mediamon extract` cannot be read."""

    exit_code = 1
