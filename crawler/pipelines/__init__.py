"""Item pipelines, one stage each: extract, check freshness, store."""
