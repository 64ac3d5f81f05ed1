"""Alembic environment: migrations run on the connection mailbot hands over (see db/engine.py)."""

from alembic import context

from mailbot.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through mailbot (mailbot.db.engine.migrate), which supplies the connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
