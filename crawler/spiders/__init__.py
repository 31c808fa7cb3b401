"""Scrapy spiders; one reads every configured source."""
