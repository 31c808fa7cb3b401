"""The crawler: Scrapy spiders, the extraction stage and the pipelines that store articles."""
