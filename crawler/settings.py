"""Scrapy settings built from the validated config: polite, bounded, and with no open ports."""

from __future__ import annotations

from typing import Any

from mediamon.config import Crawl

RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]


def scrapy_settings(crawl: Crawl, *, log_level: str = "CRITICAL") -> dict[str, Any]:
    return {
        "BOT_NAME": "mediamon",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "ROBOTSTXT_USER_AGENT": crawl.user_agent,
        # Politeness: few requests per host, adapting to how fast each host answers.
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_host,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": 0.25,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrent_per_host),
        # Bounded: every request ends, no page can exhaust memory.
        "DOWNLOAD_TIMEOUT": crawl.timeout_seconds,
        "DNS_TIMEOUT": crawl.timeout_seconds,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": 5,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "MEDIAMON_RETRY_BACKOFF": crawl.retry_backoff_seconds,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.retry.BackoffRetryMiddleware": 550,
            "crawler.politeness.HostLimitMiddleware": 950,
        },
        "ITEM_PIPELINES": {
            "crawler.pipelines.extract.ExtractPipeline": 100,
            "crawler.pipelines.freshness.FreshnessPipeline": 200,
            "crawler.pipelines.store.StorePipeline": 300,
        },
        # Scrapy starts this many asyncio tasks for every response's output, even for the
        # single item an article page yields; 100 (the default) made them a third of the work.
        "CONCURRENT_ITEMS": 8,
        "COOKIES_ENABLED": False,
        # No listening sockets: the telnet console and the remote-control server stay off.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "scrapy.extensions.remote_control.RemoteControl": None,
        },
        "LOG_LEVEL": log_level,
        "LOGSTATS_INTERVAL": 0,
    }
