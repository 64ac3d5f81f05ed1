"""A whole mailbot installation for a test: a config file wired to the test Dovecot, SMTP server and database.

`installation.run("2026-11-16T10:15:00+00:00")` runs `mailbot run --once`
in-process (click's runner); `installation.command(...)` runs the installed
`mailbot` as a real process, for the few tests that must kill one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mailbot.cli import main
from mailbot.clock import parse_instant

CORPUS = Path(__file__).parent / "corpus"
MAILBOT = Path(sys.executable).parent / "mailbot"

DEPLOYMENTS = {
    "cambridgeshire": {
        "democratic-services": ("democratic.services@peterborough.gov.uk", ["officer.a@peterborough.gov.uk"]),
        "cambs-pcc": ("cambs-pcc@cambs.pnn.police.uk", ["ceo.office@cambs.pnn.police.uk"]),
    },
    "cleveland": {
        "cleveland-resolution": ("resolution.team@cleveland-opcc.example", ["resolution.officer@cleveland-opcc.example"]),
    },
}


@dataclass
class Installation:
    """One config file and what it points at; each mailbox is its own Dovecot user."""

    root: Path
    config: Path
    dovecot: object
    smtp: object
    users: dict = field(default_factory=dict)       # mailbox name -> ImapUser

    def deliver(self, mailbox: str, raw: bytes | str, *, at: str | datetime, flags=()) -> int:
        """APPEND `raw` (bytes, or a corpus file name) to the mailbox, received at `at`; returns its UID."""
        if isinstance(raw, str):
            raw = (CORPUS / "mail" / raw).read_bytes() if not raw.startswith("mail/") else (CORPUS / raw).read_bytes()
        when = parse_instant(at) if isinstance(at, str) else at
        return self.dovecot.append(self.users[mailbox], raw, at=when, flags=flags)

    def cli(self, *args: str) -> Result:
        """Run `mailbot ARGS --config ...` in-process; stdout and stderr kept apart."""
        return CliRunner().invoke(main, [*args, "--config", str(self.config)], catch_exceptions=False)

    def run(self, now: str) -> Result:
        """`mailbot run --once --now NOW`, in-process."""
        return self.cli("run", "--once", "--now", now)

    def command(self, *args: str, **popen) -> subprocess.Popen:
        """The installed `mailbot` as a real process, with this config (for kill tests)."""
        return subprocess.Popen([str(MAILBOT), *args, "--config", str(self.config)], cwd=self.root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)

    def export(self) -> list[dict]:
        result = self.cli("cases", "export", "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    def flags(self, mailbox: str) -> dict[int, set[str]]:
        return self.dovecot.flags(self.users[mailbox])


def write_config(root: Path, *, deployment: str, dovecot, smtp, database_url: str, users: dict,
                 staff: dict | None = None, only: list[str] | None = None) -> Path:
    """Write ROOT/mailbot.toml watching every mailbox of the deployment (or `only` these)."""
    lines = [f'deployment = "{deployment}"', "", "[storage]", f'url = "{database_url}"', "",
             "[imap]", f'host = "{dovecot.host}"', f"port = {dovecot.port}", 'tls = "none"', "timeout = 5", "",
             "[smtp]", f'host = "{smtp.host}"', f"port = {smtp.port}", 'tls = "none"', "timeout = 5", ""]
    for name, (address, default_staff) in DEPLOYMENTS[deployment].items():
        if only is not None and name not in only:
            continue
        user = users[name]
        people = (staff or {}).get(name, default_staff)
        lines += ["[[mailboxes]]", f'name = "{name}"', f'address = "{address}"', f"staff = {json.dumps(people)}",
                  "[mailboxes.imap]", f'username = "{user.name}"', f'password_file = "{user.password_file}"', ""]
    config = root / "mailbot.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def make_installation(tmp_path: Path, dovecot, smtp, database_url: str, deployment: str = "cambridgeshire",
                      staff: dict | None = None) -> Installation:
    users = {name: dovecot.add_user() for name in DEPLOYMENTS[deployment]}
    config = write_config(tmp_path, deployment=deployment, dovecot=dovecot, smtp=smtp,
                          database_url=database_url, users=users, staff=staff)
    return Installation(root=tmp_path, config=config, dovecot=dovecot, smtp=smtp, users=users)


@pytest.fixture
def installation(tmp_path, dovecot, smtp_server) -> Installation:
    """A cambridgeshire installation on SQLite, fresh Dovecot users, the session SMTP server (cleared)."""
    return make_installation(tmp_path, dovecot, smtp_server, f"sqlite:///{tmp_path / 'mailbot.db'}")


@pytest.fixture
def cleveland(tmp_path, dovecot, smtp_server) -> Installation:
    return make_installation(tmp_path, dovecot, smtp_server, f"sqlite:///{tmp_path / 'mailbot.db'}", "cleveland")


