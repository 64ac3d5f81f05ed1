"""Example values for the sample contexts (`template_samples`): bodies, directories, forwarders, updates."""

from __future__ import annotations

from datetime import date, datetime, timezone

from mailbot.kinds import Kind

# -- the sample context --------------------------------------------------------
# Example values of exactly the shape the pipeline passes (templates/README.md),
# so that `check` renders every template the way real mail will.
SAMPLE_BODIES = {
    "cambridgeshire": [
        {"id": "cambs-panel", "name": "Cambridgeshire Police and Crime Panel",
         "address": "democratic.services@peterborough.gov.uk", "grants_review": False,
         "prefix": "PCP", "days": 5, "mailbox": "democratic-services"},
        {"id": "cambs-opcc", "name": "Office of the Cambridgeshire Police and Crime Commissioner",
         "address": "cambs-pcc@cambs.pnn.police.uk", "grants_review": True,
         "prefix": "OPCC", "days": 5, "mailbox": "cambs-pcc"},
    ],
    "cleveland": [
        {"id": "cleveland-opcc", "name": "Cleveland Office of the Police and Crime Commissioner, Resolution Team",
         "address": "resolution.team@cleveland-opcc.example", "grants_review": False,
         "prefix": "CLV", "days": 2, "mailbox": "cleveland-resolution"},
    ],
}
EXAMPLE_BODY = {"id": "example-body", "name": "Example complaints body", "address": "complaints@example.org",
                 "grants_review": False, "prefix": "EX", "days": 5, "mailbox": "complaints"}

# The other bodies of each directory (rules/DEPLOYMENT.yaml): where mail is redirected or signposted.
SAMPLE_DIRECTORY = {
    "cambridgeshire": [
        {"id": "cambs-psd", "name": "Cambridgeshire Constabulary Professional Standards Department",
         "address": "psd@cambs.pnn.police.uk"},
        {"id": "iopc", "name": "Independent Office for Police Conduct", "address": "enquiries@policeconduct.gov.uk"},
        {"id": "cambs-opcc", "name": "Office of the Cambridgeshire Police and Crime Commissioner",
         "address": "cambs-pcc@cambs.pnn.police.uk"},
        {"id": "cambs-panel", "name": "Cambridgeshire Police and Crime Panel",
         "address": "democratic.services@peterborough.gov.uk"},
    ],
    "cleveland": [
        {"id": "cleveland-dse", "name": "Cleveland Police Department of Standards and Ethics",
         "address": "standards.ethics@cleveland-police.example"},
        {"id": "iopc", "name": "Independent Office for Police Conduct", "address": "enquiries@policeconduct.gov.uk"},
    ],
}
SAMPLE_LEGAL = {
    "cambridgeshire": {"id": "cambs-legal", "name": "Cambridgeshire Constabulary Legal Services",
                       "address": "legal.services@cambs-police.example"},
    "cleveland": {"id": "cleveland-legal", "name": "Cleveland Police Legal Services",
                  "address": "legal.services@cleveland-police.example"},
}
EXAMPLE_TARGET = {"id": "example-target", "name": "Example other body", "address": "other@example.org"}
EXAMPLE_LEGAL = {"id": "example-legal", "name": "Example legal services", "address": "legal@example.org"}

# `layout` as parse writes it: iopc-form, attached-message, or the forwarded block's outlook / gmail.
# `listed`: whether the sender is one of the rules' `forwarders` (a letter may then name them).
SAMPLE_FORWARDERS = {
    "cambridgeshire": [{"name": "IOPC Online Complaints", "address": "no-reply@policeconduct.gov.uk",
                        "layout": "iopc-form", "listed": True},
                       {"name": "Harlow, Jenna", "address": "jenna.harlow@cambs.pnn.police.uk", "layout": "outlook",
                        "listed": True}],
    "cleveland": [{"name": "Standards and Ethics", "address": "standards.ethics@cleveland-police.example",
                   "layout": "attached-message", "listed": True}],
}
EXAMPLE_FORWARDERS = [{"name": "Example Police", "address": "complaints@police.example", "layout": "gmail",
                        "listed": True}]
UNLISTED_FORWARDER = {"name": "", "address": "", "layout": "gmail", "listed": False}
WITHHELD = [{"filename": "invoice.pdf.exe", "size": 48_128}]

# What the alert about a quarantined message is given (`quarantined`).
SAMPLE_QUARANTINED = {
    "id": 17, "mailbox": "cambs-pcc", "received_at": datetime(2026, 11, 23, 10, 15, tzinfo=timezone.utc),
    "sender": "someone@example.org", "subject": "Complaint about the meeting", "size": 32_505_856,
    "reason": "too large: 31.0 MB, over the limit of 25 MB", "message_id": "<abc@example.org>",
}

# What the alert about a mailbox or mail server mailbot cannot use is given (`connection`), failing and recovered.
_CONNECTION = {"state": "failing", "service": "imap", "mailboxes": ["cambs-pcc"],
               "what": "the cambs-pcc mailbox (IMAP outlook.office365.com:993, user cambs-pcc@cambs.pnn.police.uk)",
               "since": datetime(2026, 11, 23, 10, 15, tzinfo=timezone.utc),
               "at": datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc),
               "error": "the app registration's client secret has expired (AADSTS7000222): make a new secret "
                        "and put it where client_secret_file names"}
SAMPLE_CONNECTIONS = [
    _CONNECTION, {**_CONNECTION, "state": "recovered"},
    {**_CONNECTION, "service": "smtp", "mailboxes": ["cambs-pcc", "democratic-services"],
     "what": "the SMTP server smtp.office365.com:587 (user cambs-pcc@cambs.pnn.police.uk)"},
    {**_CONNECTION, "service": "smtp", "state": "recovered", "what": "the SMTP server smtp.office365.com:587"},
]

SAMPLE_EXPLANATIONS = {
    "cambridgeshire": "Your complaint is about a police officer. Complaints about police officers below the rank of "
                      "Chief Constable are dealt with by the force's Professional Standards Department.",
    "cleveland": "Your complaint says that someone was seriously injured. A complaint like this must be formally "
                 "recorded by Cleveland Police.",
}

NEEDS = ("name-and-address", "written-permission")
# What a case-update about mail that was not delivered is given besides the case (templates/common/case-update.txt.j2).
SAMPLE_UPDATE = {"event": "undelivered", "about": "acknowledgement", "recipients": ["sian.obrien@example.org"],
                  "delivered_to": [], "not_delivered_to": ["sian.obrien@example.org"],
                  "reason": "SMTP mail.example.gov.uk:587: every recipient refused: sian.obrien@example.org: "
                            "550 5.1.1 Mailbox unavailable"}
# What a case-update about mail on a case is given (a reply, details that arrived, a refused staff reply).
SAMPLE_CONVERSATION = {"sender": "sian.obrien@example.org", "subject": "Re: We have received your complaint",
                        "text": "I forgot to say that my neighbour saw it too.",
                        "why": "follow-up: a reply on a case is recorded on it", "needs": []}
UNDELIVERED_KINDS = ("acknowledgement", "request-details", "redirect", "redirect-notice", "signpost",
                      "correspondence", "complainant-reminder", "closure-notice")
CASE_STATUS = {Kind.REQUEST_DETAILS: "awaiting-details", Kind.REDIRECT: "redirected",
                Kind.REDIRECT_NOTICE: "redirected", Kind.SIGNPOST: "closed"}

# What the daily digest is given (`digest`, templates/common/digest.txt.j2): a Monday's report, every section filled.
_DIGEST_RECEIVED = datetime(2026, 11, 23, 10, 15, tzinfo=timezone.utc)
SAMPLE_DIGEST_CASES = [
    {"ref": "PCP-2026-00042", "status": "open", "email": "sian.obrien@example.org",
     "subject": "Complaint about the meeting on 12 November", "received_at": _DIGEST_RECEIVED,
     "assigned": "officer.a@example.gov.uk", "due": date(2026, 11, 30), "mine": True},
    {"ref": "PCP-2026-00043", "status": "awaiting-details", "email": "resident@example.org", "subject": "",
     "received_at": _DIGEST_RECEIVED, "assigned": "", "due": None, "mine": False},
]
SAMPLE_DIGEST_DEADLINE = {"ref": "PCP-2026-00042", "kind": "first-contact",
                          "label": "first contact with the complainant", "due": date(2026, 11, 30),
                          "assigned": "officer.b@example.gov.uk", "mine": False}
SAMPLE_DIGEST = {
    "day": date(2026, 11, 30), "next_day": date(2026, 12, 1),
    "since": datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc),
    "cases": SAMPLE_DIGEST_CASES,
    "overdue": [{**SAMPLE_DIGEST_DEADLINE, "due": date(2026, 11, 27)}],
    "due_today": [SAMPLE_DIGEST_DEADLINE],
    "due_next": [{**SAMPLE_DIGEST_DEADLINE, "due": date(2026, 12, 1), "assigned": "", "mine": False}],
    "held_back": [{"ref": "PCP-2026-00042", "at": _DIGEST_RECEIVED,
                   "reason": "no acknowledgement is sent to sian.obrien@example.org: it had 3 automatic answers "
                             "in the last 24 hours"}],
    "counts": {"open": 1, "awaiting_details": 1, "cases": 2, "overdue": 1, "due_today": 1, "due_next": 1,
               "held_back": 1},
}
_EMPTY_DIGEST = {**SAMPLE_DIGEST, "cases": [], "overdue": [], "due_today": [], "due_next": [], "held_back": [],
                 "counts": {name: 0 for name in SAMPLE_DIGEST["counts"]}}
# Every section empty; answers held back alone; cases alone; more of each than a digest lists (100).
SAMPLE_DIGEST_VARIANTS = [
    _EMPTY_DIGEST,
    {**_EMPTY_DIGEST, "held_back": SAMPLE_DIGEST["held_back"], "counts": {**_EMPTY_DIGEST["counts"], "held_back": 1}},
    {**_EMPTY_DIGEST, "cases": SAMPLE_DIGEST_CASES,
     "counts": {**_EMPTY_DIGEST["counts"], "open": 1, "awaiting_details": 1, "cases": 2}},
    {**SAMPLE_DIGEST, "cases": [{**SAMPLE_DIGEST_CASES[number % 2], "ref": f"PCP-2026-{number:05d}"}
                                for number in range(1, 101)],
     "overdue": SAMPLE_DIGEST["overdue"] * 100, "held_back": SAMPLE_DIGEST["held_back"] * 100,
     "counts": {**SAMPLE_DIGEST["counts"], "open": 150, "awaiting_details": 100, "cases": 250, "overdue": 130,
                "held_back": 140}},
]
