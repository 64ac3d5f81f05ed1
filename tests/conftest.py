"""Fixtures shared by the whole suite; the real servers live in tests/servers/."""

pytest_plugins = [
    "tests.servers.dovecot",
    "tests.servers.smtp",
    "tests.servers.database",
    "tests.installation",
]
