"""Stage 3: store the article (a changed text of a known one becomes a new version).

On the way, the source's learned template goes: lines this source repeats on page after
page ("The Daily Ledger: independent news since 1998") are boilerplate for it, whatever the
generic filters think. Each new page teaches the template its lines; the counts live in
memory during the crawl and go back to the store at its end. A SimHash of the text lets
the store link a republished wire story to its first copy.
"""

from __future__ import annotations

from crawler.pipelines.base import Stage
from crawler.pipelines.extract import ExtractedPage
from mediamon.fingerprints import Template, simhash
from mediamon.store import FetchedArticle


class StorePipeline(Stage):
    templates: dict[str, Template]

    def open_spider(self) -> None:
        self.templates = {}

    def close_spider(self) -> None:
        for source, template in self.templates.items():
            self.context.store.save_template(source, template.pages, self.context.now)

    def template(self, source: str) -> Template:
        if source not in self.templates:
            self.templates[source] = Template(*self.context.store.template(source))
        return self.templates[source]

    def process_item(self, item: ExtractedPage) -> ExtractedPage:
        ctx = self.context
        page, article = item.page, item.article
        template = self.template(page.source)
        text = template.strip(article.text)
        if not page.recheck:  # a page seen again would count twice
            template.learn(article.text)
        outcome = ctx.store.save_article(
            FetchedArticle(
                url=page.url,
                source=page.source,
                text=text,
                title=article.title or page.link.title,
                # the index's timestamp is exact; a page's own date is often only a day
                published=page.link.published or article.published,
                language=article.language,
                author=article.author,
                site_name=article.site_name,
                fetch_url=page.link.fetch_url,
                etag=page.etag,
                last_modified=page.last_modified,
                simhash=item.simhash if item.simhash is not None else simhash(text),
            ),
            ctx.now,
            ctx.crawl.recheck_official_after_hours,
        )
        ctx.report.saved(page.source, outcome)
        return item
