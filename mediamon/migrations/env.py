"""Alembic environment: runs revisions on the connection the store hands over."""

from alembic import context

from mediamon.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "mediamon migrations run through Store.migrate(), which supplies a connection"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
