"""The record: SQLAlchemy models of everything received, decided and sent, and how to open it."""
