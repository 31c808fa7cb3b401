"""Stage 2: an article published longer ago than `crawl.max_age_days` is not stored."""

from __future__ import annotations

from datetime import timedelta

from scrapy.exceptions import DropItem

from crawler.pipelines.base import Stage
from crawler.pipelines.extract import ExtractedPage


class FreshnessPipeline(Stage):
    def process_item(self, item: ExtractedPage) -> ExtractedPage:
        ctx = self.context
        max_age = ctx.crawl.max_age_days
        published = item.page.link.published or item.article.published
        if item.page.recheck or max_age is None or published is None:
            return item
        if published < ctx.now - timedelta(days=max_age):
            reason = f"published {published:%Y-%m-%d}, older than crawl.max_age_days ({max_age})"
            ctx.store.skip_url(item.page.source, item.page.url, reason, ctx.now)
            raise DropItem(reason)
        return item
