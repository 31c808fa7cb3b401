"""Understanding coverage: which articles report a contact between the two sides, which
contact (one event across outlets and languages), and what each side said.

`analyze_pending` reads only articles not analysed yet, so its cost grows with what a
crawl brought in, not with the size of the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mediamon.analysis.events import matching_event, merge, new_event
from mediamon.analysis.lexicon import Lexicon
from mediamon.analysis.relevance import ArticleText, assess
from mediamon.analysis.sides import statements
from mediamon.config import Config
from mediamon.store import PendingArticle, StatementRecord, Store, utcnow


@dataclass
class AnalysisSummary:
    analyzed: int = 0
    relevant: int = 0
    new_events: int = 0
    updated_events: int = 0


def analyze_pending(
    store: Store, config: Config, lexicon: Lexicon | None = None
) -> AnalysisSummary:
    lexicon = lexicon or Lexicon(config)
    summary = AnalysisSummary()
    while batch := store.pending_analysis():
        for article in batch:
            analyze_article(store, config, lexicon, article, summary)
    return summary


def analyze_article(
    store: Store,
    config: Config,
    lexicon: Lexicon,
    article: PendingArticle,
    summary: AnalysisSummary,
) -> None:
    settings = config.analysis
    now = utcnow()
    text = ArticleText(
        article.title, article.text, article.published, article.side, article.official
    )
    report = assess(
        text, lexicon, lead=settings.lead_sentences, max_age_days=settings.max_contact_age_days
    )
    summary.analyzed += 1
    if report is None:
        store.save_analysis(article.id, now, relevant=False)
        return
    window = timedelta(days=settings.event_window_days)
    candidates = store.events_between(report.date - window, report.date + window)
    event = matching_event(report, candidates, settings.event_window_days)
    if event is None:
        event = new_event(report, lexicon.sides, store.event_ids_like)
        summary.new_events += 1
    else:
        event = merge(event, report, article.official)
        summary.updated_events += 1
    store.save_event(event, now)
    said = [StatementRecord(s.side, s.text, s.attributed) for s in statements(text, lexicon)]
    store.save_analysis(
        article.id,
        now,
        relevant=True,
        kind=report.kind,
        contact_date=report.date,
        event_id=event.id,
        statements=said,
    )
    summary.relevant += 1
