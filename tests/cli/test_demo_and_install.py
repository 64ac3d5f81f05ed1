"""`mailbot demo` needs no server; a plain (non-editable) install finds its shipped rules and templates."""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner

from mailbot.cli import main

ROOT = Path(__file__).parent.parent.parent


def test_demo_opens_cases_and_writes_the_sent_mail(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "demo"), "--now", "2026-11-16T10:00:00+00:00"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "case PCP-2026-00001 at cambs-panel: open" in out
    assert "case CLV-2026-00001 at cleveland-opcc: open" in out
    assert "first-contact by Mon 23 Nov 2026" in out            # 5 working days at the Panel
    assert "first-contact by Wed 18 Nov 2026" in out            # 2 working days in Cleveland
    assert "duplicate delivery" in out
    assert out.count("ignored: automatic-mail") == 3
    assert "case PCP-2026-00002 at cambs-panel: redirected" in out and "sent redirect to enquiries@policeconduct.gov.uk" in out
    assert "sent request-details to tx4471@example.net" in out and "sent signpost to imran.q@example.com" in out
    assert "sent acknowledgement to paul.ridley@example.net" in out
    assert "sent redirect to standards.ethics@cleveland-police.example" in out
    assert "sent acknowledgement to samira.dhillon@example.com" in out
    # The second act: a staff reply relayed, details that open a case, a #close.
    assert "sent correspondence to eleanor.pritchard@example.org" in out
    assert "case OPCC-2026-00004: open\n  sent acknowledgement to tx4471@example.net" in out
    assert "case OPCC-2026-00001: closed\n  sent closure-notice to eleanor.pritchard@example.org" in out
    sent = list((tmp_path / "demo" / "cambridgeshire" / "sent").glob("*.eml"))
    # 5 new cases x 2, a redirect x 3, a request for details x 2, a signpost x 2; then a correspondence,
    # an acknowledgement and a case-update, a closure-notice
    assert len(sent) == 21
    again = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "demo")], catch_exceptions=False)
    assert again.exit_code == 0           # remade, not refused


def test_demo_will_not_overwrite_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.txt").write_text("keep")
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "precious")])
    assert result.exit_code != 0 and (tmp_path / "precious" / "thesis.txt").exists()


def test_the_wheel_carries_rules_and_templates_and_runs_from_them(tmp_path):
    """Build the wheel as `pip install .` would, unpack it away from the source tree, and run `mailbot check`."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                   check=True, timeout=300)
    [wheel] = tmp_path.glob("mailbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mailbot/_shipped/rules/cambridgeshire.yaml" in names
    assert "mailbot/_shipped/templates/cambridgeshire/acknowledgement.txt.j2" in names
    assert "mailbot/db/migrations/versions/0001_initial_schema.py" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    config = tmp_path / "mailbot.toml"
    config.write_text('deployment = "cleveland"\n[smtp]\ntransport = "directory"\ndirectory = "sent"\n'
                      '[[mailboxes]]\nname = "cleveland-resolution"\naddress = "resolution.team@cleveland-opcc.example"\n'
                      'maildir = "Maildir"\n')
    mailbox.Maildir(tmp_path / "Maildir", create=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-m", "mailbot", "check", "--config", str(config)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert str(site / "mailbot" / "_shipped" / "rules") in result.stdout
