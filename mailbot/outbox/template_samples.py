"""Sample contexts of the exact shape the pipeline passes, so that `mailbot check` renders every template."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from mailbot.clock import LONDON
from mailbot.kinds import Kind


from mailbot.outbox.sample_values import (
    SAMPLE_CONNECTIONS,
    SAMPLE_QUARANTINED,
    SAMPLE_DIGEST,
    SAMPLE_DIGEST_VARIANTS,
    CASE_STATUS,
    EXAMPLE_BODY,
    EXAMPLE_FORWARDERS,
    EXAMPLE_LEGAL,
    EXAMPLE_TARGET,
    NEEDS,
    SAMPLE_BODIES,
    SAMPLE_CONVERSATION,
    SAMPLE_DIRECTORY,
    SAMPLE_EXPLANATIONS,
    SAMPLE_FORWARDERS,
    SAMPLE_LEGAL,
    SAMPLE_UPDATE,
    UNDELIVERED_KINDS,
    UNLISTED_FORWARDER,
    WITHHELD,
)

def redirect_targets(deployment: str, body_id: str) -> list[dict[str, str]]:
    """Sample `{id, name, address}` of every body a complaint at `body_id` might be redirected to."""
    return [dict(entry) for entry in SAMPLE_DIRECTORY.get(deployment, [EXAMPLE_TARGET]) if entry["id"] != body_id]


def legal_services(deployment: str) -> dict[str, str]:
    """The sample `{id, name, address}` of the force's legal services (where compensation claims go)."""
    return dict(SAMPLE_LEGAL.get(deployment, EXAMPLE_LEGAL))


def sample_decision(deployment: str, kind: Kind = Kind.ACKNOWLEDGEMENT, *, body_id: str = "",
                    **changes: Any) -> dict[str, Any]:
    """A `decision` value that makes sense for a message of `kind`; `changes` replace its keys."""
    kind = Kind(kind)
    decision: dict[str, Any] = {"action": "new-case", "rule": "new-complaint", "explanation": "",
                                "redirected_to": None, "signpost": "", "signpost_to": None, "needs": []}
    if kind is Kind.REQUEST_DETAILS:
        decision.update(action="request-details", rule="anonymous-complaint", needs=list(NEEDS))
    elif kind in (Kind.REDIRECT, Kind.REDIRECT_NOTICE):
        targets = redirect_targets(deployment, body_id) or [dict(EXAMPLE_TARGET)]
        decision.update(action="redirect", rule="misdirected-complaint", redirected_to=targets[0],
                        explanation=SAMPLE_EXPLANATIONS.get(deployment, "A sample reason."))
    elif kind is Kind.SIGNPOST:
        decision.update(action="signpost", rule="compensation-claim", signpost="compensation",
                        signpost_to=legal_services(deployment))
    decision.update(changes)
    return decision


def sample_context(deployment: str = "cambridgeshire", *, body_id: str | None = None,
                   kind: Kind = Kind.ACKNOWLEDGEMENT, **overrides: Any) -> dict[str, Any]:
    """A context of exactly the shape the pipeline passes (templates/README.md), with example values.

    The case and the decision suit `kind` (a redirect has `decision.redirected_to`,
    a case that is not open has no `first_contact_due`). `overrides` replace
    top-level keys (`missing=[]`, `complainant={...}`, `decision={...}`).
    """
    kind = Kind(kind)
    bodies = SAMPLE_BODIES.get(deployment, [EXAMPLE_BODY])
    body = next((entry for entry in bodies if entry["id"] == body_id), bodies[0]) if body_id else bodies[0]
    received = datetime(2026, 11, 23, 10, 15, tzinfo=timezone.utc).astimezone(LONDON)
    due = date(2026, 11, 30) if body["days"] == 5 else date(2026, 11, 25)
    status = CASE_STATUS.get(kind, "open")
    context: dict[str, Any] = {
        "kind": kind.value,
        "deployment": deployment,
        "case": {"ref": f"{body['prefix']}-2026-00042", "status": status, "received_at": received,
                 "subject": "Complaint about the meeting on 12 November", "assigned": "",
                 "deadlines": [{"kind": "first-contact", "due": due, "met": False}],
                 "first_contact_due": due if status == "open" else None,
                 "first_contact_working_days": body["days"],
                 "rules": ["new-complaint"],
                 "reasons": ["a person wrote to the mailbox and no other rule applied"],
                 "why": ["it says “shouted at”"]},
        "body": {"id": body["id"], "name": body["name"], "address": body["address"],
                 "grants_review": body["grants_review"]},
        "mailbox": {"name": body["mailbox"], "address": body["address"]},
        "complainant": {"name": "Siân O'Brien", "email": "sian.obrien@example.org", "anonymous": False},
        "message": {"subject": "Complaint about the meeting on 12 November",
                    "sender": "sian.obrien@example.org", "display_name": "Siân O'Brien",
                    "date_header": "Mon, 23 Nov 2026 10:14:07 +0000",
                    "text": "Dear Sir or Madam,\n\nI was shouted at during the public meeting.\n\nSiân O'Brien\n",
                    "attachments": [{"filename": "photo.jpg", "size": 182_044}]},
        "missing": ["when", "witnesses"],
        "staff_reply_hint": "",
        "decision": sample_decision(deployment, kind, body_id=body["id"]),
        "review": None,
        "forwarded_by": None,
        "withheld": [],
        "letters": _sample_letters(kind, body["address"], "sian.obrien@example.org"),
        "sender_words": True,
    }
    context.update(overrides)
    return context


def _sample_letters(kind: Kind, body_address: str, complainant: str, *, held_back: str = "") -> dict[str, Any]:
    """What a case sent (`letters`): the complainant's letter, and the redirect when there is one."""
    answer_kind = {Kind.REDIRECT: Kind.REDIRECT_NOTICE, Kind.STAFF_NOTIFICATION: Kind.ACKNOWLEDGEMENT}.get(kind, kind)
    letter = {"kind": answer_kind.value, "to": complainant, "queued": not held_back, "held_back": held_back,
              "plain": False}
    redirect = None
    if kind in (Kind.REDIRECT, Kind.REDIRECT_NOTICE, Kind.STAFF_NOTIFICATION):
        redirect = {"kind": Kind.REDIRECT.value, "to": body_address, "queued": not held_back,
                    "held_back": held_back, "plain": False}
    return {"complainant": letter, "redirect": redirect}


def sample_contexts(deployment: str) -> list[dict[str, Any]]:
    """Sample contexts covering each body of a shipped deployment, with and without the optional parts.

    `check` renders every kind with each of these, and with the variants of
    `sample_variants` for that kind (every redirect target, signpost, need).
    """
    samples = []
    for body in SAMPLE_BODIES.get(deployment, [EXAMPLE_BODY]):
        samples.append(sample_context(deployment, body_id=body["id"]))
        bare = sample_context(deployment, body_id=body["id"], missing=[],
                              complainant={"name": "", "email": "resident@example.org", "anonymous": True},
                              staff_reply_hint="Reply to this email; start with #note to keep it internal.")
        bare["message"] = {**bare["message"], "attachments": [], "display_name": "", "subject": "",
                           "sender": "resident@example.org"}
        samples.append(bare)
    return samples


def sample_variants(kind: Kind, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`context` made ready for `kind`, then once more for each value its templates must cope with.

    A context made for another kind (as `mailbot check` builds them, from the
    rule set's bodies) first gets the case status and decision of `kind`.
    Then: each redirect target or signpost or need of `kind`, a review
    request in time, late and undated, a forwarded complaint, a case that
    is not open (no first-contact date), and a digest with every section
    empty, one section alone, and more than it lists.
    """
    kind = Kind(kind)
    deployment = str(context.get("deployment", ""))
    body_id = str(context.get("body", {}).get("id", ""))
    base = copy.deepcopy(dict(context))
    base["kind"] = kind.value
    base.setdefault("review", None)
    base.setdefault("forwarded_by", None)
    base.setdefault("withheld", [])
    base.setdefault("sender_words", True)
    base.setdefault("letters", None)
    if kind is Kind.ALERT:
        base.setdefault("quarantined", dict(SAMPLE_QUARANTINED))
    if kind is Kind.DIGEST:
        base.setdefault("digest", copy.deepcopy(SAMPLE_DIGEST))
    decision = base.get("decision")
    if not isinstance(decision, Mapping) or decision.get("action") != sample_decision(deployment, kind)["action"]:
        base["decision"] = sample_decision(deployment, kind, body_id=body_id)
    if kind in CASE_STATUS and isinstance(base.get("case"), Mapping):
        base["case"] = {**base["case"], "status": CASE_STATUS[kind], "first_contact_due": None}
    if kind is Kind.CASE_UPDATE:
        base.setdefault("update", copy.deepcopy(SAMPLE_UPDATE))
    base.setdefault("staff_member", {"address": "officer.a@example.gov.uk", "name": "Complaints Officer"})
    if kind in (Kind.STAFF_REMINDER, Kind.ESCALATION, Kind.PROGRESS_REMINDER, Kind.COMPLAINANT_REMINDER,
                Kind.CLOSURE_NOTICE):
        base.setdefault("timer", {"why": ["first-contact is due by the end of Monday 30 November 2026 and is not met"]})
    if kind is Kind.CORRESPONDENCE:
        base.setdefault("relayed", {"text": "Dear Ms O'Brien,\n\nThank you for your email.\n\nKind regards",
                                    "name": "Complaints Officer"})
    if kind is Kind.COMMAND_ERROR:
        base.setdefault("command_errors", ["line 1: #closed is not a command (did you mean #close?)"])
        base.setdefault("commands", [{"name": "#note", "description": "an internal note"}])
        base.setdefault("usage", "#note  an internal note")

    def varied(**changes: Any) -> dict[str, Any]:
        variant = copy.deepcopy(base)
        variant["decision"] = {**variant["decision"], **changes.pop("decision", {})}
        variant.update(changes)
        return variant

    variants = [base]
    if kind is Kind.REQUEST_DETAILS:
        variants += [varied(decision={"needs": [need]}) for need in NEEDS]
        variants.append(varied(decision={"needs": []}, missing=["what", "when"]))
    elif kind in (Kind.REDIRECT, Kind.REDIRECT_NOTICE):
        for target in redirect_targets(deployment, body_id):
            variants.append(varied(decision={"redirected_to": target, "explanation": ""}))
            variants.append(varied(decision={"redirected_to": target, "explanation": "A sample reason."}))
    elif kind is Kind.SIGNPOST:
        for explanation in ("", "A sample reason."):
            variants += [varied(decision={"signpost": "crime-report", "signpost_to": None, "rule": "crime-report",
                                          "explanation": explanation}),
                         varied(decision={"signpost": "compensation", "explanation": explanation}),
                         varied(decision={"signpost": "compensation", "signpost_to": None,
                                          "explanation": explanation}),
                         varied(decision={"signpost": "", "signpost_to": None, "explanation": explanation})]
    elif kind is Kind.CASE_UPDATE:
        variants += [varied(update={**base["update"], "about": about}) for about in UNDELIVERED_KINDS]
        variants.append(varied(update={**base["update"], "recipients": ["a@example.org", "b@example.org"],
                                       "delivered_to": ["a@example.org"], "not_delivered_to": ["b@example.org"]}))
        for event, needs in (("reply", []), ("reply", list(NEEDS)), ("details-arrived", []), ("refused", []),
                             ("closed-not-pursued", [])):
            variants.append(varied(update={**SAMPLE_CONVERSATION, "event": event, "needs": needs}))
        variants.append(varied(update={**SAMPLE_CONVERSATION, "event": "refused"},
                               case={**base.get("case", {}), "ref": ""}))
    elif kind is Kind.CORRESPONDENCE:
        variants.append(varied(relayed={**base["relayed"], "name": ""}))
    elif kind is Kind.ALERT:
        variants += [varied(connection=dict(connection), quarantined=None) for connection in SAMPLE_CONNECTIONS]
    elif kind is Kind.DIGEST:
        variants += [varied(digest=copy.deepcopy(digest)) for digest in SAMPLE_DIGEST_VARIANTS]
        variants.append(varied(staff_member={**base["staff_member"], "name": ""}))
    forwarders = SAMPLE_FORWARDERS.get(deployment, EXAMPLE_FORWARDERS)
    variants += [
        varied(review={"outcome_date": date(2026, 11, 2), "in_time": True}),
        varied(review={"outcome_date": date(2026, 10, 1), "in_time": False}),
        varied(review={"outcome_date": None, "in_time": None}),
        *(varied(forwarded_by=dict(forwarder)) for forwarder in forwarders),
        varied(forwarded_by={**forwarders[0], "name": "", "layout": "attached-message"}),
        varied(forwarded_by=dict(UNLISTED_FORWARDER), sender_words=False,
               complainant={**base.get("complainant", {}), "name": ""}),
        varied(withheld=[dict(item) for item in WITHHELD]),
        varied(letters=None),
    ]
    variants += _letters_variants(kind, base, varied, deployment, body_id)
    if isinstance(base.get("case"), Mapping) and base["case"].get("first_contact_due") is not None:
        variants.append(varied(case={**base["case"], "status": "closed", "first_contact_due": None}))
    return variants


def _letters_variants(kind: Kind, base: Mapping[str, Any], varied, deployment: str, body_id: str) -> list[dict]:
    """`letters` as each decision leaves it, every letter sent and every letter held back (plain ones too)."""
    complainant = str(base.get("complainant", {}).get("email", ""))
    targets = redirect_targets(deployment, body_id) or [dict(EXAMPLE_TARGET)]
    decisions = [{}]
    if kind is Kind.STAFF_NOTIFICATION:
        decisions += [{"action": "staff-command"}, {"action": "new-case"}, {"action": "request-details", "needs": list(NEEDS)},
                      {"action": "signpost", "signpost": "crime-report"},
                      {"action": "redirect", "redirected_to": targets[0]}]
    variants = []
    for reason in ("a sample reason it was held back", ""):
        for decided in decisions:
            address = str((decided.get("redirected_to") or base["decision"].get("redirected_to") or {})
                          .get("address", ""))
            variants.append(varied(letters=_sample_letters(kind, address, complainant, held_back=reason),
                                   decision=dict(decided)))
    plain = _sample_letters(kind, "", complainant)
    plain["complainant"]["plain"] = True
    variants.append(varied(letters=plain))
    return variants
