"""`mailbot triage --explain` prints exactly what `run --once` then does, for every corpus message.

Each message is first triaged (a dry run), then delivered to a fresh local
installation of its deployment (Maildir, SQLite, sent mail written to a
folder) and processed by one pass. What the dry run said would be sent
must be what was sent, letter for letter, and the case must be where and
as the dry run said.
"""

from __future__ import annotations

import json
import mailbox
import shutil
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mailbot.cli import main
from mailbot.config import shipped_dir
from mailbot.intake.maildir import deliver_to_maildir

CORPUS = Path(__file__).parent.parent / "corpus"
MAILBOXES = {
    "cambridgeshire": {"democratic-services": "democratic.services@peterborough.gov.uk",
                       "cambs-pcc": "cambs-pcc@cambs.pnn.police.uk"},
    "cleveland": {"cleveland-resolution": "resolution.team@cleveland-opcc.example"},
}
STATUS = {"new-case": "open", "redirect": "redirected", "request-details": "awaiting-details", "signpost": "closed"}


def deliveries():
    """Every mail file of the corpus, as the first scenario that delivers it does, with that scenario's staff."""
    seen = set()
    for path in sorted((CORPUS / "scenarios").glob("*.yaml")):
        scenario = yaml.safe_load(path.read_text())
        for step in scenario["steps"]:
            delivered = step.get("deliver")
            if delivered and delivered["file"] not in seen:
                seen.add(delivered["file"])
                yield pytest.param(scenario["deployment"], scenario.get("staff") or {}, delivered,
                                   id=Path(delivered["file"]).stem)


def _installation(root: Path, deployment: str, staff: dict) -> Path:
    lines = [f'deployment = "{deployment}"', 'rules_dir = "rules"', 'templates_dir = "templates"',
             "[storage]", 'url = "sqlite:///mailbot.db"', "[smtp]", 'transport = "directory"', 'directory = "sent"']
    for name, address in MAILBOXES[deployment].items():
        lines += ["[[mailboxes]]", f'name = "{name}"', f'address = "{address}"', f'maildir = "Maildir/{name}"',
                  f"staff = {json.dumps(staff.get(name, []))}"]
        (root / "Maildir").mkdir(exist_ok=True)
        mailbox.Maildir(root / "Maildir" / name, create=True)
    (root / "mailbot.toml").write_text("\n".join(lines) + "\n")
    shutil.copytree(shipped_dir("rules"), root / "rules")
    shutil.copytree(shipped_dir("templates"), root / "templates")
    return root / "mailbot.toml"


def _invoke(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def _sent(root: Path) -> list[str]:
    """"KIND to ADDRESS" for every message the pass wrote to the sent folder."""
    lines = []
    for path in sorted((root / "sent").glob("*.eml")) if (root / "sent").exists() else []:
        headers = BytesHeaderParser().parsebytes(path.read_bytes())
        envelope = json.loads(path.with_name(path.name[:-len(".eml")] + ".envelope.json").read_text())
        lines += [f"{headers['X-Mailbot-Kind']} to {recipient}" for recipient in envelope["to"]]
    return sorted(lines)


@pytest.mark.parametrize("deployment, staff, delivered", list(deliveries()))
def test_the_dry_run_says_what_the_pass_then_does(tmp_path, deployment, staff, delivered):
    config = str(_installation(tmp_path, deployment, staff))
    mail = CORPUS / delivered["file"]
    received = datetime.fromisoformat(delivered["at"])
    later = (received + timedelta(minutes=5)).isoformat()

    said = _invoke("triage", str(mail), "--mailbox", delivered["to"], "--explain", "--now", delivered["at"],
                   "--config", config)
    would_send = said.split("would send:\n", 1)[1].split("facts and signals:", 1)[0]
    promised = sorted(line.strip() for line in would_send.splitlines()
                      if line.startswith("  ") and not line.strip().startswith(("no ", "nothing")))
    decision = said.splitlines()[0].split(": ", 1)[1].split(" -> ")
    moved = next((line.split(": ", 1)[1].split(" ")[0] for line in said.splitlines()
                  if line.startswith("case in: ")), delivered["to"])

    deliver_to_maildir(tmp_path / "Maildir" / delivered["to"], mail.read_bytes(), at=received)
    _invoke("run", "--once", "--now", later, "--config", config)

    assert _sent(tmp_path) == promised, said
    cases = json.loads(_invoke("cases", "export", "--format", "json", "--config", config))
    if decision[0] not in STATUS:   # ignored, quarantined, refused staff mail: no case
        assert cases == [], said
    else:
        [case] = cases
        assert (case["status"], case["mailbox"]) == (STATUS[decision[0]], moved), said
        assert case["redirected_to"] == (decision[1] if len(decision) > 1 else None), said
