"""What every pipeline stage shares: the crawl context, read from the running spider."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.spiders.sources import CrawlContext


class Stage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def context(self) -> CrawlContext:
        spider: Any = self.crawler.spider
        return spider.context
