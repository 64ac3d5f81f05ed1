"""Every letter reads as the body's own: no rule, signal or fact names, no policy references, no Python values.

GIVEN every corpus message, triaged in the mailbox its scenario delivers it to
WHEN every template a case can send is rendered for it (its own decision, and
each other action the templates serve: every redirect target, signpost and
need), with the letter plain and not, sent and held back
THEN what we wrote (the sender's own words taken out) holds no internal word.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

from mailbot.triage.form_answers import still_missing
from mailbot.cases.quarantined import recorded_sender_and_subject
from mailbot.db.models import Case, Deadline
from mailbot.cases.letter_context import letter_context
from mailbot.kinds import Kind
from mailbot.outbox.program_files import Withheld
from mailbot.outbox.templates import TemplateSet
from mailbot.parse import parse_message
from mailbot.settings import MailboxSettings
from mailbot.triage import Action, Known, evaluate, load_ruleset
from mailbot.triage.policy import COMPLETENESS_ITEMS

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
RECEIVED = datetime(2026, 11, 23, 10, 15, tzinfo=timezone.utc)


def _deliveries() -> list[tuple[str, str, str]]:
    """(mail file, deployment, mailbox) for every corpus message, as its first scenario delivers it."""
    found: dict[str, tuple[str, str]] = {}
    for scenario in sorted((CORPUS / "scenarios").glob("*.yaml")):
        data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
        for step in data["steps"]:
            if "deliver" in step:
                found.setdefault(step["deliver"]["file"], (data["deployment"], step["deliver"]["to"]))
    return [(file, deployment, mailbox) for file, (deployment, mailbox) in sorted(found.items())]


DELIVERIES = _deliveries()
RULESETS = {deployment: load_ruleset(ROOT / "rules", deployment) for deployment in ("cambridgeshire", "cleveland")}
TEMPLATES = {deployment: TemplateSet(ROOT / "templates", deployment) for deployment in RULESETS}


def _internal_words(deployment: str) -> re.Pattern:
    """Names only the code and the rule files use: every hyphenated rule, signal and fact name, item codes.

    Names without a hyphen ("dissatisfaction") are ordinary English and may
    appear in a letter as words; an identifier with a hyphen never should.
    """
    ruleset = RULESETS[deployment]
    names = {rule.name for rule in ruleset.rules} | set(ruleset.signals) | set(COMPLETENESS_ITEMS)
    names |= {"named-complainant-required", "third-party", "not-forwarded", "review-request", "own-mail",
              "permission-enclosed", "internal-transfer", "not-back-to-forwarder", "automatic-mail"}
    hyphenated = sorted((name for name in names if "-" in name), key=len, reverse=True)
    words = [r"\bseeds?\b", r"\brules?\b", r"\bfacts?\b", r"\bsignals?\b", r"(?-i:\b(None|True|False)\b)",
             r"\[\]", r"[{}]", r"\[matched:", r"\bHit\(", r"\bDecision\(",
             *(rf"(?<![\w#-]){re.escape(name)}(?![\w-])" for name in hyphenated)]
    return re.compile("|".join(words), re.IGNORECASE)


def _ours(text: str, context: dict) -> str:
    """The rendered text without what the sender wrote (quoted lines, their subject, names, file names)."""
    lines = [line for line in text.splitlines() if not line.startswith(">")]
    text = "\n".join(lines)
    message = context.get("message", {})
    theirs = [message.get("subject"), message.get("display_name"), message.get("date_header"),
              context.get("complainant", {}).get("name"),
              *(item["filename"] for item in message.get("attachments", [])),
              *(item["filename"] for item in context.get("withheld", []))]
    if context.get("forwarded_by"):
        theirs.append(context["forwarded_by"].get("name"))
    if context.get("quarantined"):
        theirs += [context["quarantined"]["subject"], context["quarantined"]["reason"]]
    for words in sorted(filter(None, theirs), key=len, reverse=True):
        text = text.replace(words, "")
    return re.sub(r"“[^”]*”", "", text)   # the message's own words that decided, quoted in case.why


def _case(decision, message, ruleset, mailbox: str) -> Case:
    body = ruleset.bodies[decision.body]
    status = {Action.NEW_CASE: "open", Action.REQUEST_DETAILS: "awaiting-details",
              Action.REDIRECT: "redirected", Action.SIGNPOST: "closed"}[decision.action]
    case = Case(ref=f"{body.reference_prefix}-2026-00042", mailbox=mailbox, body=body.id, status=status,
                redirected_to=decision.redirected_to, complainant_name=decision.complainant_name,
                complainant_email=decision.complainant_email, anonymous=decision.anonymous,
                third_party=decision.third_party, review=decision.review,
                missing=still_missing(decision.missing, message.forwarded if decision.forwarded_by else None),
                flags=[], rules=decision.rules, subject=message.subject, received_at=RECEIVED, opened_at=RECEIVED)
    if status == "open":
        case.deadlines.append(Deadline(kind="first-contact", due=date(2026, 11, 30)))
    return case


def _decisions(decision, ruleset):
    """The message's own decision (when it opens a case), then one for each action the other templates serve."""
    if decision.change.opens:
        yield decision
    others = [body_id for body_id in ruleset.bodies if body_id != decision.body]
    for target in others:
        yield replace(decision, action=Action.REDIRECT, redirected_to=target, signpost="", needs=())
    for signpost, to in (("crime-report", None), ("compensation", next((b for b in others if "legal" in b), None))):
        yield replace(decision, action=Action.SIGNPOST, signpost=signpost, signpost_to=to, redirected_to=None)
    yield replace(decision, action=Action.REQUEST_DETAILS, needs=("name-and-address", "written-permission"),
                  redirected_to=None)
    yield replace(decision, action=Action.NEW_CASE, redirected_to=None, needs=())


_KINDS = {Action.NEW_CASE: [Kind.ACKNOWLEDGEMENT], Action.REQUEST_DETAILS: [Kind.REQUEST_DETAILS],
          Action.REDIRECT: [Kind.REDIRECT, Kind.REDIRECT_NOTICE], Action.SIGNPOST: [Kind.SIGNPOST]}


def _letters(kind: Kind, to: str, held_back: str, *, plain: bool) -> dict:
    return {"complainant": {"kind": kind.value, "to": to, "queued": not held_back, "held_back": held_back,
                            "plain": plain},
            "redirect": {"kind": "redirect", "to": "body@example.org", "queued": not held_back,
                         "held_back": held_back, "plain": False}}


@pytest.mark.parametrize("file,deployment,mailbox", DELIVERIES, ids=[item[0][5:-4] for item in DELIVERIES])
def test_no_letter_holds_an_internal_word(file, deployment, mailbox):
    ruleset, templates = RULESETS[deployment], TEMPLATES[deployment]
    internal = _internal_words(deployment)
    raw = (CORPUS / file).read_bytes()
    message = parse_message(raw)
    own = frozenset(body.address for body in ruleset.bodies.values())
    first = evaluate(message, mailbox, ruleset, Known(received=RECEIVED.date(), own_addresses=own))
    settings = MailboxSettings(name=mailbox, address=ruleset.body_of(mailbox).address)
    problems = []
    for decision in _decisions(first, ruleset):
        case = _case(decision, message, ruleset, mailbox)
        body = ruleset.bodies[decision.body]
        for kind in [*_KINDS[decision.action], Kind.STAFF_NOTIFICATION]:
            for sender_words in (True, False):
                for held_back in ("", "the email predates this mailbox's connection to mailbot"):
                    context = letter_context(
                        kind=kind.value, deployment=deployment, case=case, body=body, mailbox=settings,
                        message=message, decision=decision, bodies=ruleset.bodies, sender_words=sender_words,
                        forwarder_listed=sender_words, withheld=[Withheld("run.exe", "application/x-msdownload", 9)],
                        letters=_letters(_KINDS[decision.action][-1], decision.complainant_email, held_back,
                                         plain=not sender_words))
                    rendered = templates.render(kind, context)
                    for found in internal.finditer(_ours(f"{rendered.subject}\n{rendered.text}", context)):
                        problems.append(f"{kind.value} ({decision.action.value}, sender_words={sender_words}): "
                                        f"{found.group(0)!r}")
    sender, subject = recorded_sender_and_subject(raw)
    alert = {"kind": "alert", "deployment": deployment, "mailbox": {"name": mailbox, "address": settings.address},
             "quarantined": {"id": 7, "mailbox": mailbox, "received_at": RECEIVED, "sender": sender,
                             "subject": subject, "size": len(raw), "reason": "a sample reason",
                             "message_id": message.message_id}}
    rendered = templates.render(Kind.ALERT, alert)
    problems += [f"alert: {found.group(0)!r}" for found in internal.finditer(_ours(rendered.text, alert))]
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_check_would_catch_the_words_it_looks_for():
    """The pattern itself: the cover note that once went to the IOPC would fail."""
    internal = _internal_words("cambridgeshire")
    old_cover_note = ("Rule: criminal-about-commissioner\n  - criminal-about-commissioner: Criminal complaints "
                      "about the Commissioner or the Deputy go to the IOPC (seeds 000, 001).")
    assert {match.group(0).lower() for match in internal.finditer(old_cover_note)} >= {
        "rule", "criminal-about-commissioner", "seeds"}
    assert not internal.search("We have passed your complaint to the Independent Office for Police Conduct. "
                               "Please reply with #transfer cambs-psd.")
