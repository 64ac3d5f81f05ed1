"""Tests of the outbox: Message-IDs, templates, composing and sending."""
