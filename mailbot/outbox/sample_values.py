"""Example values for the sample contexts (`template_samples`): bodies, directories, forwarders, updates."""

from __future__ import annotations

from datetime import datetime, timezone

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
