"""The zero-set-up demo: sample complaints from the corpus in local Maildirs, SQLite, sent mail in a folder."""
