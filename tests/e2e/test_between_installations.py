"""Two mailbot installations: one's redirect is the other's forwarded complaint, never a loop."""

from __future__ import annotations

from tests.installation import make_installation, write_config


def test_a_redirect_from_another_mailbot_opens_a_case_for_the_original_complainant(tmp_path, dovecot, smtp_server):
    """GIVEN the Panel's installation does not watch the Commissioner's mailbox, and another one does,
    WHEN a complaint about the Chief Constable reaches the Panel,
    THEN the Panel redirects it, and the Commissioner's installation opens it for the original complainant."""
    panel_root, office_root = tmp_path / "panel", tmp_path / "office"
    panel_root.mkdir()
    office_root.mkdir()
    panel = make_installation(panel_root, dovecot, smtp_server, f"sqlite:///{panel_root / 'mailbot.db'}")
    office = make_installation(office_root, dovecot, smtp_server, f"sqlite:///{office_root / 'mailbot.db'}")
    write_config(panel_root, deployment="cambridgeshire", dovecot=dovecot, smtp=smtp_server,
                 database_url=f"sqlite:///{panel_root / 'mailbot.db'}", users=panel.users, only=["democratic-services"])
    write_config(office_root, deployment="cambridgeshire", dovecot=dovecot, smtp=smtp_server,
                 database_url=f"sqlite:///{office_root / 'mailbot.db'}", users=office.users, only=["cambs-pcc"])

    panel.deliver("democratic-services", "p07-pcc-chief-constable-radio.eml", at="2026-11-26T10:45:00+00:00")
    assert panel.run("2026-11-26T10:50:00+00:00").exit_code == 0
    [redirect] = [m for m in smtp_server.wait_for(3) if m.kind == "redirect"]
    assert list(redirect.rcpt_tos) == ["cambs-pcc@cambs.pnn.police.uk"]
    [panel_case] = panel.export()
    assert (panel_case["status"], panel_case["redirected_to"]) == ("redirected", "cambs-opcc")
    smtp_server.reset()

    office.deliver("cambs-pcc", redirect.raw, at="2026-11-26T10:51:00+00:00")
    assert office.run("2026-11-26T10:55:00+00:00").exit_code == 0

    [case] = office.export()
    assert (case["body"], case["status"]) == ("cambs-opcc", "open")
    assert case["complainant"]["email"] == "eleanor.pritchard@example.org"
    sent = smtp_server.wait_for(2)
    assert sorted((m.kind, m.rcpt_tos[0]) for m in sent) == [
        ("acknowledgement", "eleanor.pritchard@example.org"), ("staff-notification", "ceo.office@cambs.pnn.police.uk")]


def test_our_own_redirect_coming_back_is_ignored(installation):
    """A copy of our own redirect delivered to our own mailbox (a list, a misconfigured alias) is our mail: ignored."""
    installation.deliver("democratic-services", "p05-panel-officer-roadside-stop.eml", at="2026-11-24T11:30:00+00:00")
    assert installation.run("2026-11-24T11:35:00+00:00").exit_code == 0
    [redirect] = [m for m in installation.smtp.wait_for(3) if m.kind == "redirect"]
    installation.smtp.reset()

    installation.deliver("cambs-pcc", redirect.raw, at="2026-11-24T11:36:00+00:00")
    assert installation.run("2026-11-24T11:40:00+00:00").exit_code == 0

    assert len(installation.export()) == 1
    assert installation.smtp.messages == [], installation.smtp.describe()
