"""Stage 1: turn a fetched page into clean article text (trafilatura plus our filters)."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import DropItem

from crawler.extraction import Extracted, extract_article
from crawler.items import Page
from crawler.pipelines.base import Stage


@dataclass
class ExtractedPage:
    page: Page
    article: Extracted


class ExtractPipeline(Stage):
    def process_item(self, item: Page) -> ExtractedPage:
        ctx = self.context
        source = ctx.source(item.source)
        article = extract_article(
            item.html, item.url, prune_xpath=source.prune_xpath, language_hint=item.language_hint
        )
        if article is None:
            reason = "no article text found on the page"
            ctx.report.item_failed(item.source, f"{item.url}: {reason}")
            if not item.recheck:
                ctx.store.skip_url(item.source, item.url, reason, ctx.now)
            raise DropItem(reason)
        return ExtractedPage(item, article)
