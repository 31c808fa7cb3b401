"""Helpers for the tests that run on the machine's real PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def empty_database(url: str) -> None:
    """Drop every table, so each PostgreSQL test starts from nothing."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
