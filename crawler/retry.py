"""Retries 5xx answers and timeouts with exponential backoff (Scrapy retries at once).

A 429 or 503 that says `Retry-After` waits that long, capped, instead of the backoff.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

MAX_WAIT_SECONDS = 60.0


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("MEDIAMON_RETRY_BACKOFF", 2.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await asyncio.sleep(self._delay(result, response.headers.get(b"Retry-After")))
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await asyncio.sleep(self._delay(result, None))
        return result

    def _delay(self, retry: Request, retry_after: bytes | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), MAX_WAIT_SECONDS)
        attempt = int(retry.meta.get("retry_times", 1))
        return float(min(self.backoff * 2 ** (attempt - 1), MAX_WAIT_SECONDS))
