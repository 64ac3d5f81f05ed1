"""The command line on a local Maildir installation: check, triage, cases, quarantine, exit statuses."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mailbot.cli import main
from tests.cli.conftest import CORPUS, deliver, mailbot


def test_check_passes_on_the_shipped_deployments(local):
    result = mailbot(local, "check")
    assert result.exit_code == 0, result.stderr
    assert "deployment cambridgeshire" in result.stdout and "acknowledgement" in result.stdout


def test_check_names_file_and_line_of_a_broken_rule(local):
    rules = local / "rules" / "cambridgeshire.yaml"
    rules.write_text(rules.read_text().replace("cambs-pcc: cambs-opcc", "cambs-pcc: nobody"))
    result = mailbot(local, "check")
    assert result.exit_code == 2
    assert f"{rules}:" in result.stderr and "unknown body 'nobody'" in result.stderr
    assert result.stdout == ""


def test_check_names_file_and_line_of_a_broken_template(local):
    template = local / "templates" / "cambridgeshire" / "acknowledgement.txt.j2"
    lines = template.read_text().splitlines() + ["", "{% if %}"]
    template.write_text("\n".join(lines))
    result = mailbot(local, "check")
    assert result.exit_code == 2
    assert f"{template}:{len(lines)}:" in result.stderr, result.stderr


def test_check_connect_reports_each_mailbox_and_the_database_without_making_it(local):
    result = mailbot(local, "check", "--connect")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "mailbox cambs-pcc: ok" in result.stdout
    assert f"database sqlite:///{local / 'mailbot.db'}: none yet" in result.stdout
    assert not (local / "mailbot.db").exists()
    assert mailbot(local, "run", "--once").exit_code == 0
    assert f"database sqlite:///{local / 'mailbot.db'}: ok" in mailbot(local, "check", "--connect").stdout


def test_a_config_error_exits_2_naming_the_key(local):
    config = local / "mailbot.toml"
    config.write_text(config.read_text().replace('transport = "directory"', 'transport = "pigeon"'))
    result = mailbot(local, "run", "--once")
    assert result.exit_code == 2
    assert "smtp.transport" in result.stderr and str(config) in result.stderr


def test_triage_is_a_dry_run(local):
    result = CliRunner().invoke(main, ["triage", str(CORPUS / "p07-pcc-chief-constable-radio.eml"), "--explain",
                                       "--config", str(local / "mailbot.toml")])
    assert result.exit_code == 0, result.stderr
    assert "decision: new-case" in result.stdout and "rule: chief-constable-at-the-commissioner" in result.stdout
    assert "[signal] about-chief-constable" in result.stdout and "FIRES" in result.stdout
    assert "acknowledgement to eleanor.pritchard@example.org" in result.stdout
    assert not (local / "mailbot.db").exists() and not (local / "sent").exists()


def test_run_then_cases_list_show_and_export(local):
    deliver(local, "p07-pcc-chief-constable-radio.eml")
    assert mailbot(local, "run", "--once", "--now", "2026-11-16T10:05:00+00:00").exit_code == 0
    sent = sorted(path.name for path in (local / "sent").glob("*.eml"))
    assert len(sent) == 2

    listing = mailbot(local, "cases", "list")
    assert listing.stdout.startswith("OPCC-2026-00001\topen\tcambs-opcc\t2026-11-16 10:00\t2026-11-23")
    shown = mailbot(local, "cases", "show", "OPCC-2026-00001")
    assert "case-opened" in shown.stdout and "mail-sent" in shown.stdout
    assert mailbot(local, "cases", "show", "OPCC-2026-99999").exit_code == 1
    [case] = json.loads(mailbot(local, "cases", "export", "--format", "json").stdout)
    assert case["complainant"]["email"] == "eleanor.pritchard@example.org"
    assert set(case) >= {"ref", "mailbox", "body", "status", "redirected_to", "complainant", "anonymous",
                         "third_party", "review", "missing", "flags", "rules", "received_at", "deadlines"}


def test_unreadable_mail_is_quarantined_with_its_bytes_and_the_rest_goes_on(local):
    junk = b"\x00\x01\x02 not an email at all \xff\xfe"
    deliver(local, junk)
    deliver(local, "p07-pcc-chief-constable-radio.eml", at="2026-11-16T10:01:00+00:00")
    result = mailbot(local, "run", "--once", "--now", "2026-11-16T10:05:00+00:00")
    assert result.exit_code == 0
    listed = mailbot(local, "quarantine", "list").stdout.splitlines()
    assert len(listed) == 1 and listed[0].split("\t")[3] == str(len(junk))
    assert len(json.loads(mailbot(local, "cases", "export").stdout)) == 1
    quarantined_id = listed[0].split("\t")[0]
    again = mailbot(local, "quarantine", "retry", quarantined_id)
    assert again.exit_code == 1 and "quarantine" in again.stdout
    assert mailbot(local, "quarantine", "retry", "9999").exit_code == 1


def test_now_must_have_an_offset(local):
    result = mailbot(local, "run", "--once", "--now", "2026-11-16T10:05:00")
    assert result.exit_code == 2 and "offset" in result.stderr


