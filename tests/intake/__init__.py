"""Tests of intake: IMAP and Maildir sources."""
