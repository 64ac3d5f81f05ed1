"""Intake: watch mailboxes (IMAP or Maildir) and hand over raw mail with its receipt time."""
