"""A local installation for command-line tests: Maildir mailboxes, SQLite, sent mail written to a folder."""

from __future__ import annotations

import mailbox
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mailbot.cli import main
from mailbot.config import shipped_dir
from mailbot.intake.maildir import deliver_to_maildir

CORPUS = Path(__file__).parent.parent / "corpus" / "mail"


@pytest.fixture
def local(tmp_path):
    """A cambridgeshire config with Maildir mailboxes and sent mail written to a folder."""
    (tmp_path / "mailbot.toml").write_text('''
deployment = "cambridgeshire"
rules_dir = "rules"
templates_dir = "templates"
[storage]
url = "sqlite:///mailbot.db"
[smtp]
transport = "directory"
directory = "sent"
[[mailboxes]]
name = "cambs-pcc"
address = "cambs-pcc@cambs.pnn.police.uk"
maildir = "Maildir/cambs-pcc"
staff = ["ceo.office@cambs.pnn.police.uk"]
''')
    shutil.copytree(shipped_dir("rules"), tmp_path / "rules")
    shutil.copytree(shipped_dir("templates"), tmp_path / "templates")
    (tmp_path / "Maildir").mkdir()
    mailbox.Maildir(tmp_path / "Maildir" / "cambs-pcc", create=True)   # as the mail delivery agent makes it
    return tmp_path


def mailbot(root: Path, *args: str) -> Result:
    """`mailbot ARGS --config ROOT/mailbot.toml`, in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(main, [*args, "--config", str(root / "mailbot.toml")], catch_exceptions=False)


def deliver(root: Path, name: str | bytes, at: str = "2026-11-16T10:00:00+00:00") -> None:
    raw = name if isinstance(name, bytes) else (CORPUS / name).read_bytes()
    deliver_to_maildir(root / "Maildir" / "cambs-pcc", raw, at=datetime.fromisoformat(at))
