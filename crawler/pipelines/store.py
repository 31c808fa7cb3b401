"""Stage 3: store the article (a changed text of a known one becomes a new version)."""

from __future__ import annotations

from crawler.pipelines.base import Stage
from crawler.pipelines.extract import ExtractedPage
from mediamon.store import FetchedArticle


class StorePipeline(Stage):
    def process_item(self, item: ExtractedPage) -> ExtractedPage:
        ctx = self.context
        page, article = item.page, item.article
        outcome = ctx.store.save_article(
            FetchedArticle(
                url=page.url,
                source=page.source,
                text=article.text,
                title=article.title or page.link.title,
                # the index's timestamp is exact; a page's own date is often only a day
                published=page.link.published or article.published,
                language=article.language,
                author=article.author,
                site_name=article.site_name,
                fetch_url=page.link.fetch_url,
                etag=page.etag,
                last_modified=page.last_modified,
            ),
            ctx.now,
            ctx.crawl.recheck_official_after_hours,
        )
        ctx.report.saved(page.source, outcome)
        return item
