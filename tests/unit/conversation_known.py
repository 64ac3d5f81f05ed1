"""What triage is told about mail on a case, built by hand for the conversation tests (no database, no servers)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from mailbot.config import shipped_dir
from mailbot.parse import parse_message
from mailbot.triage import Known, evaluate, load_ruleset
from mailbot.triage.decision import Decision
from mailbot.triage.known import Mailbox, StaffClaim, ThreadCase, Token

CAMBS = load_ruleset(shipped_dir("rules"), "cambridgeshire")
PANEL_ADDRESS = "democratic.services@peterborough.gov.uk"
PCC_ADDRESS = "cambs-pcc@cambs.pnn.police.uk"
ANNA, BEN, CAROL = "anna.clerk@peterborough.gov.uk", "ben.officer@peterborough.gov.uk", "carol.case@cambs.pnn.police.uk"
PANEL = Mailbox("democratic-services", PANEL_ADDRESS, staff=(ANNA, BEN),
                staff_names=((ANNA, "Anna Clerk"), (BEN, "Ben Officer")))
PCC = Mailbox("cambs-pcc", PCC_ADDRESS, staff=(CAROL,), staff_names=((CAROL, "Carol Case"),))
JANE = "jane.doe@example.org"
REF = "PCP-2026-00042"
KNOWN = Known(received=date(2026, 12, 8), own_addresses=frozenset({PANEL_ADDRESS, PCC_ADDRESS}),
              mailboxes=(PANEL, PCC), staff_addresses=frozenset({ANNA, BEN, CAROL}))
CASE = ThreadCase(ref=REF, mailbox="democratic-services", body="cambs-panel", status="open", complainant_email=JANE,
                  complainant_name="Jane Doe", how=f"answers our acknowledgement <mb1.{REF}...>")
PCC_CASE = replace(CASE, ref="OPCC-2026-00007", mailbox="cambs-pcc", body="cambs-opcc")
QUOTED = ("\nOn Tue, 15 Dec 2026 at 11:20, Mailbot <democratic.services@peterborough.gov.uk> wrote:\n"
          "> A new complaint has been opened: PCP-2026-00042.\n> Complainant: Jane Doe <jane.doe@example.org>\n")
CC_COMPLAINT = ("I want to complain about the Chief Constable. At the meeting on 3 December she told the room that "
                "residents of March \"should stop moaning\", in front of forty people.\n\n")


def mail(body: str, *, sender: str = f"Jane Doe <{JANE}>", to: str = PANEL_ADDRESS,
         subject: str = f"Re: [{REF}] Your complaint", extra: str = "") -> bytes:
    return (f"From: {sender}\nTo: {to}\nSubject: {subject}\nMessage-ID: <reply-1@example.org>\n"
            f"Date: Tue, 15 Dec 2026 12:00:00 +0000\n{extra}Content-Type: text/plain; charset=utf-8\n\n{body}").encode()


def staff_mail(body: str, *, sender: str = ANNA) -> bytes:
    return mail(body, sender=sender, subject=f"RE: [{REF}] New complaint",
                to=f"democratic.services+{REF.lower()}.{'a' * 26}@peterborough.gov.uk")


def decide(raw: bytes, known: Known = KNOWN, mailbox: str = "democratic-services") -> Decision:
    return evaluate(parse_message(raw), mailbox, CAMBS, known)


def valid(address: str = ANNA, case: ThreadCase = CASE) -> Known:
    claim = StaffClaim(address, Token.VALID, case_ref=case.ref, why=f"the token issued to {address}")
    return replace(KNOWN, thread=case, staff=claim)


def kinds(decision: Decision) -> list[str]:
    return [letter.kind for letter in decision.letters]
