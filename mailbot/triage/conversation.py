"""Mail on a case that exists: a complainant's reply, details that were asked for, staff replies and #commands.

A message is on a case when the pipeline found the case it answers
(`Known.thread`) or when it claims to come from staff (`Known.staff`).
Staff mail counts only with a token issued for that case and that staff
address; anything else claiming to be staff is refused: never relayed nor
obeyed, no case opened, and staff are told. Automatic mail is never on a
case here: the rule chain ignores it.
"""

from __future__ import annotations

from dataclasses import replace

from mailbot import patterns
from mailbot.addresses import normalised
from mailbot.kinds import Kind
from mailbot.parse.message import Message
from mailbot.parse.quoted import new_text
from mailbot.triage.decision import Action, Audience, CaseChange, Decision, Hit, Letter
from mailbot.triage.identity import identify
from mailbot.triage.known import Known, ThreadCase
from mailbot.triage.letters import complainant_letter, staff_letters, why_not_answered
from mailbot.triage.rule_patterns import ScreenedSearch
from mailbot.triage.ruleset import RuleSet
from mailbot.triage.staff_commands import COMMANDS, meets_first_contact, read_commands
from mailbot.triage.view import complaint_view

UPDATES_PER_DAY = 10    # case-updates about replies on one case in 24 hours, at most

# A postal address given in words: a UK postcode, or "I live at" / "my address is" followed by a number.
_POSTAL_ADDRESS = patterns.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b|"
                                   r"\b(?:i live at|my address is|address:)\s*\d", ignore_case=True)
_NAME_GIVEN = patterns.compile(r"(?i:\bmy name is|\bmy name's|^name:)\s*([A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’-]+){1,3})",
                               multiline=True)


def decide(message: Message, mailbox: str, ruleset: RuleSet, known: Known) -> Decision | None:
    """The decision for mail on a case, or None for new mail (the rule chain decides it)."""
    if message.automatic.any or known.own_mail:
        return None
    if known.staff is not None:
        return _from_staff(message, mailbox, ruleset, known)
    if known.thread is not None:
        return _follow_up(message, ruleset, known, known.thread)
    return None


def _base(action: Action, thread: ThreadCase | None, mailbox: str, ruleset: RuleSet, hits: list[Hit],
          **values) -> Decision:
    owner = thread.mailbox if thread else mailbox
    values.setdefault("complainant_name", thread.complainant_name if thread else "")
    return Decision(action=action, body=thread.body if thread else ruleset.body_of(mailbox).id, hits=tuple(hits),
                    complainant_email=thread.complainant_email if thread else "", mailbox=owner,
                    grounds=tuple(hit for hit in hits if hit.kind != "rule"),
                    trace=tuple(f"{hit.rule}: {hit.reason}" for hit in hits), **values)


def _from_staff(message: Message, mailbox: str, ruleset: RuleSet, known: Known) -> Decision:
    claim, thread = known.staff, known.thread
    hits = [Hit("claims-staff", "claims to come from staff", claim.why, kind="fact")]
    owner = known.mailbox(thread.mailbox if thread else mailbox)
    if not claim.valid or thread is None or thread.ref != claim.case_ref:
        hits.append(Hit("staff-reply-refused", "a staff reply counts only from a listed staff address with the "
                        "token issued to it for the case: never relayed nor obeyed, and staff are told"))
        letters = staff_letters(Kind.CASE_UPDATE, owner, about="refused")
        change = CaseChange(case_ref=thread.ref if thread else None)   # the decision itself is the event
        return _base(Action.REFUSED, thread, mailbox, ruleset, hits, letters=letters, change=change,
                     staff_member=claim.address)
    text = new_text(message.text)
    read = read_commands(text, _transfer_targets(ruleset))
    hits.append(Hit("staff-token", f"a reply from {claim.address} with the token issued to it for {thread.ref}",
                    kind="fact"))
    if read is None:
        return _relay(thread, mailbox, ruleset, known, hits, text, claim.address)
    if not read.errors:
        read = replace(read, errors=_impossible(read, thread, known))
        read = replace(read, commands=() if read.errors else read.commands)
    if read.errors:
        hits.append(Hit("command-error", "a #command that cannot be done: nothing is done, and its writer is told",
                        "; ".join(read.errors)))
        letters = (Letter(Kind.COMMAND_ERROR.value, Audience.SENDER, to=claim.address),)
        change = CaseChange(case_ref=thread.ref, events=(("command-refused", "; ".join(read.errors)),))
        return _base(Action.STAFF_COMMAND, thread, mailbox, ruleset, hits, letters=letters, change=change,
                     staff_member=claim.address, command_errors=read.errors)
    return _commands(read, thread, mailbox, ruleset, known, hits, claim.address)


def _impossible(read, thread: ThreadCase, known: Known) -> tuple[str, ...]:
    """Commands that read well but cannot be done on this case, each in words (then none of the reply is done)."""
    errors = []
    for command in read.commands:
        where = f"line {command.line} (#{command.name})"
        if command.name == "assign" and command.argument not in known.staff_addresses:
            errors.append(f"{where}: {command.argument} is not a listed staff address, so their replies could not "
                          "count; ask the administrator to add them to the mailbox's staff first")
        elif command.name == "transfer" and command.argument == thread.body:
            errors.append(f"{where}: the case is already with {thread.body}")
        elif command.name == "close" and thread.status == "closed":
            errors.append(f"{where}: the case is already closed")
        elif command.name == "reopen" and thread.status != "closed":
            errors.append(f"{where}: the case is not closed (it is {thread.status})")
    return tuple(errors)


def _relay(thread: ThreadCase, mailbox: str, ruleset: RuleSet, known: Known, hits: list[Hit], text: str,
           staff_member: str) -> Decision:
    if not text.strip():
        hits.append(Hit("nothing-to-relay", "the reply has no text of its own above the quoted original"))
        return _base(Action.STAFF_REPLY, thread, mailbox, ruleset, hits, staff_member=staff_member,
                     change=CaseChange(case_ref=thread.ref, events=(("nothing-relayed", "an empty staff reply"),)))
    hits.append(Hit("staff-reply", "a staff reply without #commands is relayed to the complainant"))
    letter = Letter(Kind.CORRESPONDENCE.value, Audience.COMPLAINANT, to=thread.complainant_email,
                    held_back=why_not_answered(thread.complainant_email, known))
    change = CaseChange(case_ref=thread.ref, meets=("first-contact",) if letter.goes else ())
    return _base(Action.STAFF_REPLY, thread, mailbox, ruleset, hits, letters=(letter,), change=change,
                 relayed_text=text, staff_member=staff_member)


def _commands(read, thread: ThreadCase, mailbox: str, ruleset: RuleSet, known: Known, hits: list[Hit],
              staff_member: str) -> Decision:
    """Every command of the reply, applied together: the case change and the letters they send."""
    change = {"case_ref": thread.ref, "note": read.note}
    letters: list[Letter] = []
    starts, events = [], []
    for command in read.commands:
        hits.append(Hit(f"#{command.name}", COMMANDS[f"#{command.name}"], command.argument))
        events.append(("command", f"#{command.name}" + (f" {command.argument}" if command.argument else "")))
        if command.name == "assign":
            change["assign"] = command.argument
        elif command.name == "outcome":
            starts.append("review-window")
        elif command.name == "close":
            change["status"] = "closed"
            letters.append(complainant_letter(Kind.CLOSURE_NOTICE, thread.complainant_email, known))
        elif command.name == "reopen":
            change["status"] = "open"
        elif command.name == "transfer":
            letters.extend(_transfer(command.argument, thread, ruleset, known, change))
    return _base(Action.STAFF_COMMAND, thread, mailbox, ruleset, hits, letters=tuple(letters),
                 change=CaseChange(meets=("first-contact",) if meets_first_contact(read.commands) else (),
                                   starts=tuple(starts), events=tuple(events),
                                   **change),
                 staff_member=staff_member, redirected_to=change.get("redirected_to"))


def _transfer(body_id: str, thread: ThreadCase, ruleset: RuleSet, known: Known, change: dict) -> list[Letter]:
    """`#transfer BODY`: to a mailbox watched here the case moves; to any other body it is redirected."""
    target_mailbox = ruleset.mailbox_of(body_id)
    if target_mailbox is not None and known.mailbox(target_mailbox) is not None:
        change["moves_to"] = target_mailbox
        return list(staff_letters(Kind.STAFF_NOTIFICATION, known.mailbox(target_mailbox)))
    change["status"], change["redirected_to"] = "redirected", body_id
    notice = complainant_letter(Kind.REDIRECT_NOTICE, thread.complainant_email, known)
    body = Letter(Kind.REDIRECT.value, Audience.BODY, to=ruleset.bodies[body_id].address)
    return [body, notice]


def _transfer_targets(ruleset: RuleSet) -> dict[str, str]:
    """Every id `#transfer` accepts, lower case, to the body id: the directory's ids and the rules' aliases."""
    targets = {body_id.lower(): body_id for body_id in ruleset.bodies}
    targets.update({alias.lower(): body_id for alias, body_id in ruleset.transfer_aliases.items()})
    return targets


def _follow_up(message: Message, ruleset: RuleSet, known: Known, thread: ThreadCase) -> Decision:
    """Anyone writing again on a case: staff are told; details that were asked for open it."""
    hits = [Hit("on-a-case", f"answers {thread.ref}", thread.how, kind="fact")]
    owner = known.mailbox(thread.mailbox)
    update = staff_letters(Kind.CASE_UPDATE, owner, assigned=thread.assigned, about="reply")
    if thread.updates_lately >= UPDATES_PER_DAY:
        # Replies still count and are recorded; staff are not told of each one. Two auto-responders
        # that send no Auto-Submitted header (a staff member's, a complainant's) cannot keep a loop going.
        update = tuple(replace(letter, held_back=f"staff had {thread.updates_lately} case-updates about "
                               f"{thread.ref} in the last 24 hours: this reply is recorded on the case only",
                               capped_out=True) for letter in update)
    from_complainant = normalised(message.reply_address) == normalised(thread.complainant_email)
    if thread.status != "awaiting-details" or not from_complainant:
        hits.append(Hit("follow-up", "a reply on a case is recorded on it and staff are told; it is never "
                        "acknowledged again"))
        return _base(Action.FOLLOW_UP, thread, thread.mailbox, ruleset, hits, letters=update,
                     change=CaseChange(case_ref=thread.ref))
    still_needed, name, found = _still_needed(message, ruleset, thread)
    hits.extend(Hit("details", what, kind="fact") for what in found)
    if not still_needed:
        hits.append(Hit("details-arrived", "the reply gives what the case waited for: it opens and is acknowledged"))
        acknowledgement = complainant_letter(Kind.ACKNOWLEDGEMENT, thread.complainant_email, known)
        change = CaseChange(case_ref=thread.ref, status="open", starts=ruleset.bodies[thread.body].opening_deadlines,
                            complainant_name=name or None, anonymous=False if name else None,
                            events=(("details-arrived", "; ".join(found)),))
        letters = (acknowledgement, *staff_letters(Kind.CASE_UPDATE, owner, assigned=thread.assigned,
                                                   about="details-arrived"))
        return _base(Action.FOLLOW_UP, thread, thread.mailbox, ruleset, hits, letters=letters, change=change,
                     needs=(), complainant_name=name or thread.complainant_name)
    hits.append(Hit("details-still-needed", "the reply does not give " + " and ".join(still_needed) +
                    ("; the one reminder was sent already" if thread.details_asked_again else
                     ": one polite reminder of what is still needed")))
    letters = update if thread.details_asked_again else (
        complainant_letter(Kind.REQUEST_DETAILS, thread.complainant_email, known, about="again"), *update)
    return _base(Action.FOLLOW_UP, thread, thread.mailbox, ruleset, hits, letters=letters, needs=still_needed,
                 change=CaseChange(case_ref=thread.ref, events=(("details-still-needed", ", ".join(still_needed)),)))


def _still_needed(message: Message, ruleset: RuleSet, thread: ThreadCase) -> tuple[tuple[str, ...], str, list[str]]:
    """What the case still waits for after this reply, the name it gives, and what was found, in words."""
    text = new_text(message.text)
    view = replace(complaint_view(message, ruleset, frozenset()), body=text, forwarded=None)
    identity = identify(view, ruleset.policy, ScreenedSearch(ruleset.screen))
    given = _NAME_GIVEN.search(text)
    name = identity.name or (given.group(1) if given else "")
    address = _POSTAL_ADDRESS.search(text)
    found, still = [], []
    if "name-and-address" in thread.needs:
        if name:
            found.append(f"a name: {name!r}")
        if address:
            found.append(f"a postal address: {address.group(0)!r}")
        if not (name and address):
            still.append("name-and-address")
    if "written-permission" in thread.needs:
        if identity.permission_enclosed or (message.attachments and _mentions(text, ruleset.policy.permission_enclosed)
                                            and not _mentions(text, ruleset.policy.permission_not_enclosed)):
            found.append("the written permission, attached")
        else:
            still.append("written-permission")
    return tuple(still), name, found


def _mentions(text: str, patterns_of_policy) -> bool:
    return any(pattern.search(text) for pattern in patterns_of_policy)
