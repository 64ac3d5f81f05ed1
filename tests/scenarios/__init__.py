"""The corpus scenarios (tests/corpus/scenarios/*.yaml) replayed against a real Dovecot and SMTP server."""
