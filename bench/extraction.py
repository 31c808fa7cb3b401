"""Extraction benchmark on the article-extraction benchmark data (181 real pages with
ground truth), for the product's extraction and for bare trafilatura, in the same run.

The data is read from the folder given with --data (`html/<id>.html.gz` and
`ground-truth.json`); nothing of it is kept. The metric is the data set's own: word 4-gram
shingles, precision and recall averaged over pages, F1 of the averages. It also counts
call-to-action lines left in the text that the article itself does not have (a short line
about subscribing, newsletters, signing up, reading more, cookies, related articles, going
back to top, sharing or ads).

    .venv/bin/python bench/extraction.py --data ../shared/benchmarks/article-extraction
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawler.extraction import extract_article  # noqa: E402

CTA = re.compile(
    r"\b(?:subscribe|newsletter|sign\s+up|read\s+more|cookies?|related\s+(?:articles|stories)"
    r"|back\s+to\s+top|share\s+(?:this|on)|advertisement)\b",
    re.IGNORECASE,
)


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text)
    if len(words) < 4:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def leaked(text: str, truth: str) -> int:
    """Short call-to-action lines in the output that the article itself does not have."""
    return sum(
        1
        for line in text.splitlines()
        if len(line.split()) <= 25 and CTA.search(line) and line.strip()[:40] not in truth
    )


def score(
    pages: dict[str, str], truth: dict[str, str], extract: Callable[[str], str]
) -> dict[str, float]:
    extract(next(iter(pages.values())))  # first-call set-up is not the steady state
    precisions, recalls, leaks = [], [], 0
    started = time.perf_counter()
    outputs = {key: extract(html) or "" for key, html in pages.items()}
    seconds = time.perf_counter() - started
    for key, text in outputs.items():
        got, want = shingles(text), shingles(truth[key])
        common = len(got & want)
        if got:
            precisions.append(common / len(got))
        if want:
            recalls.append(common / len(want))
        leaks += leaked(text, truth[key])
    precision = sum(precisions) / len(precisions)
    recall = sum(recalls) / len(recalls)
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall),
        "leaked": leaks,
        "pages_per_s": len(pages) / seconds,
    }


def product(html: str) -> str:
    article = extract_article(html, search_date=False)
    return article.text if article else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, required=True, help="folder with html/ and ground-truth.json"
    )
    args = parser.parse_args()
    truth_json = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    truth = {key: value["articleBody"] for key, value in truth_json.items()}
    pages = {
        key: gzip.decompress((args.data / "html" / f"{key}.html.gz").read_bytes()).decode(
            "utf-8", "replace"
        )
        for key in truth
    }
    print(f"{len(pages)} pages")
    runs = {
        "bare trafilatura (defaults)": lambda html: trafilatura.extract(html) or "",
        "bare trafilatura (no comments, precision)": lambda html: (
            trafilatura.extract(html, include_comments=False, favor_precision=True) or ""
        ),
        "mediamon extraction": product,
    }
    for name, extract in runs.items():
        result = score(pages, truth, extract)
        print(
            f"{name:<44} F1 {result['f1']:.3f}  precision {result['precision']:.3f}  "
            f"recall {result['recall']:.3f}  leaked call-to-action lines {int(result['leaked'])}  "
            f"{result['pages_per_s']:.0f} pages/s"
        )
    print("targets for mediamon: F1 ≥ 0.972, precision ≥ 0.97, no leaked lines, ≥ 40 pages/s")


if __name__ == "__main__":
    main()
