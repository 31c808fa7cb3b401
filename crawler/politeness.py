"""Holds every host to `crawl.concurrent_per_host` requests in flight.

Scrapy 2.19 under the asyncio reactor starts every request queued for a host at once:
its downloader counts a request as transferring only once the download task runs, after
the loop that checks the limit has already emptied the queue. This middleware, next to
the downloader, keeps the promise itself with one semaphore per host.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached


class HostLimitMiddleware:
    def __init__(self, limit: int) -> None:
        self._limits: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(limit)
        )
        self._held: dict[Request, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))

    async def process_request(self, request: Request, spider: Any = None) -> None:
        host = urlparse_cached(request).hostname or ""
        await self._limits[host].acquire()
        self._held[request] = host

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        host = self._held.pop(request, None)
        if host is not None:
            self._limits[host].release()
