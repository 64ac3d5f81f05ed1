"""A case's story as text for a terminal: what `mailbot cases show REF` prints.

Most of what is shown was written by strangers (a subject, a Message-ID, an
address, the text a rule matched), so control characters (an escape
sequence could rewrite the operator's screen) and bidirectional overrides
are shown escaped, and long values are cut. Times are London's, with the
date and GMT/BST.
"""

from __future__ import annotations

import json
from datetime import datetime

from mailbot.cases.story import FROM_OUTBOX, MailIn, MailOut, Story, StoryLine
from mailbot.clock import LONDON

_INVISIBLE = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
              *range(0x2066, 0x206A)]
_ESCAPED = {code: (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _INVISIBLE}
_ESCAPED_KEEPING_LINES = {**_ESCAPED, ord("\n"): "\n"}
VALUE_LIMIT, REASON_LIMIT, LIST_LIMIT = 200, 2000, 12
# Detail kept out of the text for its length (`--format json` has it, and `mailbot triage --explain` explains it).
LONG_DETAIL = {"hits", "trace"}
INDENT = " " * 6


def shown(text: object, limit: int = VALUE_LIMIT) -> str:
    """`text` safe to print on one line: control characters escaped, cut to `limit` characters."""
    text = str(text)
    clipped = text[:limit].translate(_ESCAPED)
    return clipped + "…" if len(text) > limit else clipped


def _reason_lines(text: str) -> list[str]:
    clipped = text[:REASON_LIMIT].replace("\r\n", "\n").translate(_ESCAPED_KEEPING_LINES)
    lines = [line for line in clipped.split("\n") if line.strip()]
    if len(text) > REASON_LIMIT and lines:
        lines[-1] += "…"
    return lines


def london(value: datetime | None) -> str:
    return value.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z") if value else "-"


def _value(value: object) -> str:
    if isinstance(value, (list, tuple)):
        items = [shown(item, 80) for item in value[:LIST_LIMIT]]
        return ", ".join(items) + (f", … ({len(value)} in all)" if len(value) > LIST_LIMIT else "")
    if isinstance(value, dict):
        return shown(json.dumps(value, ensure_ascii=False, default=str))
    return shown(value)


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _listed(values: list) -> str:
    return _value(values) if values else "-"


# Actions whose reason says what was done rather than why (`acknowledgement to ...`, a note's text): it goes first.
REASON_IS_WHAT = {"mail-queued", "mail-sent", "note"}


# Nicer wording for some actions known today; any other is shown by its name, reason and detail alone.
def _summary(line: StoryLine) -> tuple[str, set[str]]:
    """(summary from the detail, the detail keys it shows) for the first line of one timeline entry."""
    detail = line.detail
    if line.what == "case-opened":
        rules = detail.get("rules") or []
        by = f" by rule {_value(rules)}" if rules else ""
        return f"{shown(detail.get('decision', '?'))}{by}, status {shown(detail.get('status', '?'))}", \
            {"decision", "rules", "status"}
    if line.what == "status-changed" and "to" in detail:
        return f"{shown(detail.get('from', '?'))} -> {shown(detail['to'])}", {"from", "to"}
    if line.what == "command" and "command" in detail:
        return shown(detail["command"]), {"command"}
    if line.what == "message-received":
        return f"mail in #{line.message}, now {shown(detail.get('status', '?'))}", {"status", "message_id"}
    return "", set()


def _entry(line: StoryLine, actor_width: int, labels: dict[str, str]) -> list[str]:
    """One timeline entry: the line of when, who and what; then why; then the rest of the detail."""
    summary, used = _summary(line)
    reason = _reason_lines(line.why)
    if line.what in REASON_IS_WHAT and reason and not summary:
        summary, reason = reason[0], [f"{INDENT}{more}" for more in reason[1:]]
    elif reason:
        reason = [f"{INDENT}why: {reason[0]}", *(f"{INDENT}     {more}" for more in reason[1:])]
    head = f"  {london(line.at)}  {shown(line.actor, 60):{actor_width}}  {shown(line.what, 60)}"
    out = [f"{head}: {summary}" if summary else head, *reason]
    rest = [f"{shown(key, 40)}: {_labelled(value, labels)}" for key, value in line.detail.items()
            if key not in used and key not in LONG_DETAIL and not _empty(value)]
    about = f"mail in #{line.message}"
    if line.message is not None and line.what != "message-received" and not any(
            isinstance(value, str) and labels.get(value) == about for value in line.detail.values()):
        rest.insert(0, f"about {about}")
    if line.source == FROM_OUTBOX:
        rest.append("(from the outbox: the event log has no line for it)")
    if rest:
        out.append(INDENT + "; ".join(rest))
    return out


def _labelled(value: object, labels: dict[str, str]) -> str:
    """A Message-ID of the case's own mail as its short name in the lists above (`mail out #2`)."""
    return labels[value] if isinstance(value, str) and value in labels else _value(value)


def _complainant(case: dict) -> str:
    person = case.get("complainant") or {}
    name, email = person.get("name"), person.get("email")
    who = " ".join(part for part in (shown(name) if name else "", f"<{shown(email)}>" if email else "") if part)
    marks = [mark for mark, on in (("anonymous", case.get("anonymous")), ("third party", case.get("third_party")))
             if on]
    return (who or "-") + (f" ({', '.join(marks)})" if marks else "")


def _deadline(deadline: dict) -> str:
    met = deadline.get("met_at")
    state = f"met {london(datetime.fromisoformat(met))}" if met else "not met"
    return f"{shown(deadline['kind'])} due {deadline['due']}, {state}"


def _header(case: dict) -> list[str]:
    rows = [("status", shown(case["status"])), ("body", shown(case["body"])), ("mailbox", shown(case["mailbox"]))]
    if case.get("redirected_to"):
        rows.append(("redirected to", shown(case["redirected_to"])))
    rows += [("subject", shown(case.get("subject") or "-")), ("complainant", _complainant(case)),
             ("received", london(datetime.fromisoformat(case["received_at"]))),
             ("opened", london(datetime.fromisoformat(case["opened_at"])) if case.get("opened_at") else "-")]
    rows += [("deadline", _deadline(deadline)) for deadline in case.get("deadlines") or []] or [("deadline", "-")]
    rows += [("rules", _listed(case.get("rules") or [])), ("missing", _listed(case.get("missing") or [])),
             ("flags", _listed(case.get("flags") or []))]
    if case.get("review"):
        rows.append(("review", _value(case["review"])))
    return [f"Case {shown(case['ref'])}"] + [f"  {label:13} {value}" for label, value in rows]


def _mail_in(message: MailIn) -> list[str]:
    lines = [f"  #{message.id}  {london(message.received_at)}  {shown(message.mailbox)}  {shown(message.status)}  "
             f"{shown(message.message_id or '(no Message-ID)')}"]
    return lines + ([f"{INDENT}error: {shown(message.error)}"] if message.error else [])


def _mail_out(row: MailOut) -> list[str]:
    tries = f"{row.attempts} attempt{'' if row.attempts == 1 else 's'}"
    sent = f"sent {london(row.sent_at)}; " if row.sent_at else ""
    lines = [f"  #{row.id}  {shown(row.kind)} to {_value(list(row.recipients))}: {shown(row.status)}",
             f"{INDENT}{sent}queued {london(row.created_at)}; {tries}; {shown(row.message_id)}"]
    return lines + ([f"{INDENT}last error: {shown(row.last_error, 500)}"] if row.last_error else [])


def render(story: Story) -> str:
    """The whole story as lines of text, ending in a newline."""
    out = _header(story.case)
    out += ["", f"Mail in ({len(story.mail_in)})"] + [line for message in story.mail_in for line in _mail_in(message)]
    out += ["", f"Mail out ({len(story.mail_out)})"] + [line for row in story.mail_out for line in _mail_out(row)]
    labels = {message.message_id: f"mail in #{message.id}" for message in story.mail_in if message.message_id}
    labels.update({row.message_id: f"mail out #{row.id}" for row in story.mail_out})
    actor_width = min(max((len(shown(line.actor, 60)) for line in story.timeline), default=0), 32)
    out += ["", f"Timeline ({len(story.timeline)})"]
    out += [text for line in story.timeline for text in _entry(line, actor_width, labels)]
    return "\n".join(out) + "\n"
