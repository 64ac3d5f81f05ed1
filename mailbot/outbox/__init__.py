"""Outbox: every message to send is composed, stored in the case's transaction, then delivered."""
