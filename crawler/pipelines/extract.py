"""Stage 1: turn a fetched page into clean article text (trafilatura plus our filters).

Extraction is the crawl's CPU work (tens of milliseconds a page, more for big pages). It
runs in a pool of worker processes so the reactor keeps downloading while pages are
parsed, and so a crawl uses every core; with `crawl.extract_workers: 0` it runs inline.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.exceptions import DropItem

from crawler.extraction import Extracted, extract_article, warm_up
from crawler.items import Page
from crawler.pipelines.base import Stage
from mediamon.fingerprints import simhash


@dataclass
class ExtractedPage:
    page: Page
    article: Extracted
    simhash: int | None = None


def extract_and_fingerprint(
    html: str, url: str, **options: Any
) -> tuple[Extracted | None, int | None]:
    """What a worker does for one page: extraction, and the SimHash of the text (both CPU
    work, both better off the crawl process)."""
    article = extract_article(html, url, **options)
    return article, (simhash(article.text) if article else None)


def worker_count(configured: int | None) -> int:
    """Configured, else one per core (none on a single core: the pool would only add cost)."""
    if configured is not None:
        return configured
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cores or 1, 4) if (cores or 1) > 1 else 0


def start_worker() -> None:
    """A worker yields the CPU to the crawl process, whose downloading and storing is the
    serial part every worker waits on, then loads trafilatura's lazy parts."""
    with contextlib.suppress(OSError):
        os.nice(5)
    warm_up()


class ExtractPipeline(Stage):
    pool: ProcessPoolExecutor | None = None
    workers = 0

    def open_spider(self) -> None:
        self.workers = worker_count(self.context.crawl.extract_workers)
        self.crawler.signals.connect(self._article_scheduled, signal=signals.request_scheduled)

    def _article_scheduled(self, request: Request, spider: Spider) -> None:
        if "link" in request.meta:  # an article is on its way: have the workers ready for it
            self._pool()

    def _pool(self) -> ProcessPoolExecutor | None:
        """Started with the first article request, so a crawl with nothing new starts none."""
        if self.pool is None and self.workers:
            # spawn, not fork: the crawl process has threads a fork would copy mid-lock
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
            )
        return self.pool

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item: Page) -> ExtractedPage:
        ctx = self.context
        source = ctx.source(item.source)
        job = partial(
            extract_and_fingerprint,
            item.html,
            item.url,
            prune_xpath=source.prune_xpath,
            language_hint=item.language_hint,
            search_date=item.link.published is None,  # the index's date wins anyway
        )
        pool = self._pool()
        try:
            article, fingerprint = (
                job() if pool is None else await asyncio.wrap_future(pool.submit(job))
            )
        except BrokenProcessPool:
            self.pool, self.workers = None, 0  # a worker died (out of memory?): go on inline
            article, fingerprint = job()
        if article is None:
            reason = "no article text found on the page"
            ctx.report.item_failed(item.source, f"{item.url}: {reason}")
            if not item.recheck:
                ctx.store.skip_url(item.source, item.url, reason, ctx.now)
            raise DropItem(reason)
        return ExtractedPage(item, article, fingerprint)
