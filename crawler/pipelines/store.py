"""Stage 3: store the article (a changed text of a known one becomes a new version).

On the way, the source's learned template goes: lines this source repeats on page after
page ("The Daily Ledger: independent news since 1998") are boilerplate for it, whatever the
generic filters think. Each new page teaches the template its lines. A SimHash of the text
lets the store link a republished wire story to its first copy.
"""

from __future__ import annotations

from crawler.pipelines.base import Stage
from crawler.pipelines.extract import ExtractedPage
from mediamon.fingerprints import line_fingerprint, simhash, template_candidates
from mediamon.store import FetchedArticle


class StorePipeline(Stage):
    def process_item(self, item: ExtractedPage) -> ExtractedPage:
        ctx = self.context
        page, article = item.page, item.article
        candidates = template_candidates(article.text)
        template = ctx.store.template_lines(page.source, candidates)
        text = article.text
        if template:
            kept = [line for line in text.splitlines() if line_fingerprint(line) not in template]
            text = "\n".join(kept) or text  # a page of nothing but template keeps its text
        if not page.recheck:  # a page seen again would count twice
            ctx.store.learn_template(page.source, candidates, ctx.now)
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
                simhash=simhash(text),
            ),
            ctx.now,
            ctx.crawl.recheck_official_after_hours,
        )
        ctx.report.saved(page.source, outcome)
        return item
