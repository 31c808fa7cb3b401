"""Divergence benchmark: does mediamon tell apart the contacts where the two governments'
accounts differ from those where they agree, and does it name what only one side said?

Crawls the labelled evaluation set (tests/fixtures/coverage) with the real `mediamon crawl`,
compares each contact's accounts, and prints precision, recall and F1 of `diverging`, the
confusion matrix, and how many of the labelled one-side-only topics the `only` lists name.

    .venv/bin/python bench/divergence.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mediamon.analysis.divergence import Comparer  # noqa: E402
from mediamon.analysis.lexicon import compile_phrases  # noqa: E402
from mediamon.config import load_config  # noqa: E402
from tests.fakes.coverage import crawl_coverage, load_coverage  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="show every contact's verdict")
    args = parser.parse_args()
    coverage = load_coverage()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = crawl_coverage(coverage, folder)
        config = load_config(folder / "config.yaml")
        comparer = Comparer(config)
        events = store.events()
        store.close()
    topic_patterns = {
        topic.label: compile_phrases(p for ps in topic.cues.values() for p in ps)
        for topic in config.topics.values()
    }
    matrix = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    labelled_only = named_only = 0
    for contact in coverage.contacts:
        paths = {a.path for a in contact.articles}
        event = next(
            e for e in events if {"/" + a.url.split("/", 3)[3] for a in e.articles} & paths
        )
        verdict = comparer.compare(event)
        matrix[(bool(contact.diverging), verdict.diverging)] += 1
        for side, phrases in contact.only.items():
            predicted = verdict.only.get(side, [])
            for phrase in phrases:
                labelled_only += 1
                if any(
                    (pattern := topic_patterns.get(label)) is not None and pattern.search(phrase)
                    for label in predicted
                ):
                    named_only += 1
        if args.details or bool(contact.diverging) != verdict.diverging:
            mark = "ok " if bool(contact.diverging) == verdict.diverging else "MISS"
            print(
                f"{mark} {contact.id}: labelled {contact.diverging}, got {verdict.diverging} "
                f"{verdict.kinds} score {verdict.score}\n     {verdict.summary}"
            )
    tp, fp = matrix[(True, True)], matrix[(False, True)]
    fn, tn = matrix[(True, False)], matrix[(False, False)]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"contacts: {tp + fn} diverging, {tn + fp} agreeing")
    print(f"diverging: precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f} (aim ≥ 0.9)")
    print("confusion matrix (rows: labelled, columns: predicted)")
    print("                 predicted yes  predicted no")
    print(f"  diverging      {tp:13d}  {fn:12d}")
    print(f"  agreeing       {fp:13d}  {tn:12d}   (false alarms: {fp}; aim 0)")
    print(f"one-side-only topics named: {named_only} of {labelled_only} labelled")


if __name__ == "__main__":
    main()
