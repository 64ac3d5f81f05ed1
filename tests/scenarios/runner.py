"""The scenario interpreter: plays a corpus scenario against an installation and tells the story of a failure.

The format is tests/corpus/README.md's (and INDEX.md's `not_kinds`). Each
step runs for real: `deliver` and `reply` APPEND to the test Dovecot with the
given INTERNALDATE, `run` is `mailbot run --once --now` in-process, and
`expect` compares the cases export and what the session's aiosmtpd captured.
A step that does not go as written raises `StepFailed`, whose text is the
conversation so far: every step and what came of it, what was expected, what
was sent, what is still in the outbox, and the cases.

    scenario = Scenario.load(CORPUS / "scenarios" / "p01-panel-pcc-public-meeting.yaml")
    installation = make_installation(tmp_path, dovecot, smtp_server, url, scenario.deployment,
                                     staff=scenario.staff)
    play(scenario, installation, smtp_server)
"""

from __future__ import annotations

import logging
import textwrap
import traceback
import tomllib
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path

import yaml
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from mailbot.clock import parse_instant
from mailbot.db.models import InboundMessage, OutboxMessage
from tests.installation import CORPUS, DEPLOYMENTS

SCENARIOS = CORPUS / "scenarios"

# Step kind -> (keys it must have, keys it may have).
STEP_KEYS = {
    "deliver": ({"file", "to", "at"}, set()),
    "run": ({"now"}, set()),
    "expect": (set(), {"cases", "sent", "sent_includes", "none_to", "not_kinds"}),
    "reply": ({"to_kind", "from", "body", "at"}, set()),
}
DIGEST = "digest"            # not counted by `sent` unless the step names it (README)
ARRIVAL_SECONDS = 5.0        # how long a message the outbox marked sent may take to show up at aiosmtpd
NO_KIND = "(no X-Mailbot-Kind)"
MISSING = object()


class ScenarioError(ValueError):
    """A scenario file that does not follow the format: the file and step are named."""


class StepFailed(AssertionError):
    """A step did not go as the scenario says; str() is the whole conversation."""

    def __init__(self, number: int, kind: str, problems: list[str], conversation: str):
        super().__init__(conversation)
        self.number = number          # counted from 1, as the conversation prints it
        self.kind = kind
        self.problems = problems
        self.conversation = conversation

    @property
    def summary(self) -> str:
        """One line: the step and its first problem."""
        first = self.problems[0].splitlines()[0] if self.problems else "failed"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"step {self.number} ({self.kind}): {first}{more}"


# --- the scenario file -------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    name: str
    deployment: str
    about: str
    staff: dict[str, list[str]]
    steps: tuple[tuple[str, dict], ...]     # (kind, arguments), in order
    path: Path

    @classmethod
    def load(cls, path: Path) -> Scenario:
        """Read and check one scenario file; ScenarioError names the file and step of a mistake."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ScenarioError(f"{path}: not a mapping")
        for key in ("name", "deployment", "steps"):
            if key not in data:
                raise ScenarioError(f"{path}: no `{key}`")
        if data["deployment"] not in DEPLOYMENTS:
            raise ScenarioError(f"{path}: deployment {data['deployment']!r} is none of {sorted(DEPLOYMENTS)}")
        steps = tuple(_parse_step(path, number, step) for number, step in enumerate(data["steps"], 1))
        staff = {name: list(people) for name, people in (data.get("staff") or {}).items()}
        unknown = set(staff) - set(DEPLOYMENTS[data["deployment"]])
        if unknown:
            raise ScenarioError(f"{path}: staff for mailboxes {sorted(unknown)}, "
                                f"which {data['deployment']} does not have")
        return cls(name=data["name"], deployment=data["deployment"], about=" ".join(str(data.get("about", "")).split()),
                   staff=staff, steps=steps, path=path)

    @classmethod
    def named(cls, name: str) -> Scenario:
        return cls.load(SCENARIOS / f"{name}.yaml")


def _parse_step(path: Path, number: int, step) -> tuple[str, dict]:
    if not isinstance(step, dict) or len(step) != 1:
        raise ScenarioError(f"{path}: step {number} is not a mapping with one key: {step!r}")
    [(kind, arguments)] = step.items()
    if kind not in STEP_KEYS:
        raise ScenarioError(f"{path}: step {number}: unknown step {kind!r} (known: {', '.join(STEP_KEYS)})")
    arguments = arguments or {}
    required, optional = STEP_KEYS[kind]
    missing, unknown = required - set(arguments), set(arguments) - required - optional
    if missing or unknown:
        raise ScenarioError(f"{path}: step {number} ({kind}): "
                            + "; ".join(filter(None, [missing and f"missing {sorted(missing)}",
                                                      unknown and f"unknown {sorted(unknown)}"])))
    return kind, arguments


def describe_step(kind: str, arguments: dict) -> str:
    if kind == "deliver":
        return f"deliver {arguments['file']} to {arguments['to']} at {arguments['at']}"
    if kind == "run":
        return f"run --once --now {arguments['now']}"
    if kind == "reply":
        return f"reply from {arguments['from']} to the latest {arguments['to_kind']} it got, at {arguments['at']}"
    return "expect " + ", ".join(arguments)


# --- what a message and a case look like to an expectation -------------------

@dataclass(frozen=True)
class Sent:
    """A message as `sent` sees it: its kind and its envelope recipients."""

    kind: str
    to: frozenset[str]

    @classmethod
    def expected(cls, item: dict) -> Sent:
        to = item.get("to", [])
        return cls(str(item.get("kind", "")), frozenset(a.lower() for a in ([to] if isinstance(to, str) else to)))

    @classmethod
    def captured(cls, message) -> Sent:
        return cls(message.kind or NO_KIND, frozenset(r.lower() for r in message.rcpt_tos))

    def __str__(self) -> str:
        return f"{self.kind} to {', '.join(sorted(self.to)) or '(nobody)'}"


def check_sent(expected: list[dict], messages: list, *, exact: bool) -> list[str]:
    """Problems matching `expected` one to one among `messages` (all of them when `exact`)."""
    left = [Sent.captured(message) for message in messages]
    missing = []
    for want in map(Sent.expected, expected):
        if want in left:
            left.remove(want)
        else:
            missing.append(want)
    problems = [f"not sent: {want}" for want in missing]
    if exact:
        problems += [f"sent but not expected: {extra}" for extra in left]
    if problems:
        word = "sent" if exact else "sent_includes"
        listed = "\n".join(f"  {Sent.expected(item)}" for item in expected) or "  (nothing)"
        got = "\n".join(f"  {Sent.captured(m)}" for m in messages) or "  (nothing)"
        problems.append(f"{word} expected{' exactly' if exact else ' among them'}:\n{listed}\n"
                        f"and these were sent since the previous expect:\n{got}")
    return problems


def envelope_problems(messages: list) -> list[str]:
    """Messages whose envelope recipients are not exactly their To/Cc (INTERFACE.md)."""
    problems = []
    for message in messages:
        headers = getaddresses(message.message.get_all("To", []) + message.message.get_all("Cc", []))
        listed = {address.lower() for _, address in headers if address}
        if listed != {r.lower() for r in message.rcpt_tos}:
            problems.append(f"{Sent.captured(message)}: envelope recipients {sorted(message.rcpt_tos)} "
                            f"but To/Cc {sorted(listed)}")
    return problems


def case_value(case: dict, field: str):
    if field == "complainant":
        email = (case.get("complainant") or {}).get("email")
        return email.lower() if isinstance(email, str) else email
    return case.get(field, MISSING)


def case_differences(expected: dict, case: dict) -> list[str]:
    """The fields of `expected` that `case` does not have, in words."""
    differences = []
    for field, want in expected.items():
        if field == "complainant" and isinstance(want, str):
            want = want.lower()
        got = case_value(case, field)
        if got is MISSING:
            differences.append(f"{field}: the export has no such field (expected {_flow(want)})")
        elif got != want:
            differences.append(f"{field} is {_flow(got)}, expected {_flow(want)}")
    return differences


def check_cases(expected: list[dict], cases: list[dict]) -> list[str]:
    """Problems matching `expected` one to one with every case (any order; only the given fields)."""
    fits = [[index for index, case in enumerate(cases) if not case_differences(want, case)] for want in expected]
    matched = _match(fits)
    problems = []
    unmatched_cases = [case for index, case in enumerate(cases) if index not in matched.values()]
    for number, want in enumerate(expected):
        if number in matched:
            continue
        if not cases:
            problems.append(f"no case at all; expected {_flow(want)}")
            continue
        pool = unmatched_cases or cases
        closest = min(pool, key=lambda case: len(case_differences(want, case)))
        differences = case_differences(want, closest) or ["it matches, but another expected case took it"]
        problems.append(f"no case matches {_flow(want)}; the closest, {closest.get('ref')}: {'; '.join(differences)}")
    if len(cases) > len(expected):
        for case in unmatched_cases:
            problems.append(f"a case the scenario does not expect: {case_line(case)}")
    if problems:
        problems.append(f"expected {len(expected)} case(s), the export has {len(cases)}")
    return problems


def _match(fits: list[list[int]]) -> dict[int, int]:
    """A largest one-to-one matching, expected index -> case index (augmenting paths; tiny inputs)."""
    owner: dict[int, int] = {}                   # case index -> expected index

    def place(want: int, seen: set[int]) -> bool:
        for case in fits[want]:
            if case in seen:
                continue
            seen.add(case)
            if case not in owner or place(owner[case], seen):
                owner[case] = want
                return True
        return False

    for want in range(len(fits)):
        place(want, set())
    return {want: case for case, want in owner.items()}


def case_line(case: dict) -> str:
    complainant = case.get("complainant") or {}
    status = case.get("status")
    if case.get("redirected_to"):
        status = f"{status} to {case['redirected_to']}"
    return (f"{case.get('ref')}  {case.get('mailbox')} ({case.get('body')})  {status}  "
            f"complainant {complainant.get('email')} ({complainant.get('name')})  "
            f"anonymous {_flow(case.get('anonymous'))}  third_party {_flow(case.get('third_party'))}  "
            f"rules {case.get('rules')}")


def _flow(value) -> str:
    """A value as the scenario files write it: `false`, `null`, `{status: open}`."""
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000)
    return text.strip().removesuffix("...").strip()


# --- a reply, as a mail client writes it -------------------------------------

def compose_reply(original, *, sender: str, body: str, at: datetime, message_id: str) -> bytes:
    """The answer a person writes to `original` (a captured message), per the corpus README.

    From is the bare `sender`; To is the original's Reply-To, else its From,
    as written (a +tag kept); Subject gets `Re: `; In-Reply-To and References
    point at it; the text is `body`, a blank line, and the original's text
    part quoted with `> `. No X- header is carried over.
    """
    # Unfolded headers: the email package folds a References of two ids as an empty first line.
    reply = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    reply["From"] = sender
    reply["To"] = original.header("Reply-To") or original.header("From")
    subject = original.subject
    reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    reply["Date"] = format_datetime(at)
    reply["Message-ID"] = message_id
    reply["In-Reply-To"] = original.message_id
    references = original.header("References").split()
    reply["References"] = " ".join([*references, original.message_id] if original.message_id not in references
                                   else references)
    quoted = "\n".join(f"> {line}" if line else ">" for line in original.text.rstrip("\n").split("\n"))
    reply.set_content(f"{body.rstrip()}\n\n{quoted}\n")
    return reply.as_bytes()


def bare_address(header_value: str) -> str:
    """The address in a To header without its +tag, lower-cased: which watched mailbox it reaches."""
    [(_, address)] = getaddresses([header_value])[:1] or [("", "")]
    local, _, domain = address.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}".lower()


# --- playing -----------------------------------------------------------------

class Player:
    """Plays one scenario against one installation, keeping the conversation for a failure."""

    def __init__(self, scenario: Scenario, installation, smtp):
        self.scenario = scenario
        self.installation = installation
        self.smtp = smtp
        self.window = 0                  # index of the first message sent since the previous expect
        self.transcript: list[str] = []
        self.last_run_log: list[str] = []      # the warnings and errors mailbot logged in the last run
        url = tomllib.loads(installation.config.read_text(encoding="utf-8"))["storage"]["url"]
        self.engine = create_engine(url)

    def play(self) -> None:
        try:
            for number, (kind, arguments) in enumerate(self.scenario.steps, 1):
                try:
                    outcome = getattr(self, f"_{kind}")(number, arguments)
                except StepFailed:
                    raise
                except Exception as error:  # noqa: BLE001 - a step that broke still gets its conversation
                    raise self.failure(number, [f"{type(error).__name__}: {error}"]) from error
                self.transcript.append(f"  step {number:>2}  {describe_step(kind, arguments)}: {outcome}")
        finally:
            self.engine.dispose()

    # -- steps --------------------------------------------------------------

    def _deliver(self, number: int, arguments: dict) -> str:
        mailbox = arguments["to"]
        if mailbox not in self.installation.users:
            raise self.failure(number, [f"no mailbox {mailbox!r} in {self.scenario.deployment} "
                                        f"(it has {', '.join(self.installation.users)})"])
        uid = self.installation.deliver(mailbox, arguments["file"], at=arguments["at"])
        return f"UID {uid}"

    def _run(self, number: int, arguments: dict) -> str:
        before = len(self.smtp.messages)
        with _LogKept() as kept:
            result = self.installation.run(arguments["now"])
        self.last_run_log = kept.lines + [line for line in result.stderr.splitlines() if line.strip()]
        problems = [] if result.exit_code == 0 else [f"mailbot run exited {result.exit_code}, not 0"]
        problems += self._await_outbox()
        if problems:
            raise self.failure(number, problems)
        return f"exit 0, {len(self.smtp.messages) - before} message(s) sent"

    def _expect(self, number: int, arguments: dict) -> str:
        problems = self._await_outbox()
        window = self.smtp.messages[self.window:]
        named = {item.get("kind") for key in ("sent", "sent_includes") for item in arguments.get(key) or []}
        named |= set(arguments.get("not_kinds") or [])
        counted = window if DIGEST in named else [m for m in window if m.kind != DIGEST]
        cases = None
        if "cases" in arguments:
            cases = self.installation.export()
            problems += [f"cases: {p}" for p in check_cases(arguments["cases"] or [], cases)]
        if "sent" in arguments:
            problems += [f"sent: {p}" for p in check_sent(arguments["sent"] or [], counted, exact=True)]
        if "sent_includes" in arguments:
            problems += [f"sent_includes: {p}" for p in check_sent(arguments["sent_includes"] or [], counted,
                                                                   exact=False)]
        for address in arguments.get("none_to") or []:
            problems += [f"none_to: {Sent.captured(m)} went to {address}" for m in window
                         if address.lower() in (r.lower() for r in m.rcpt_tos)]
        for kind in arguments.get("not_kinds") or []:
            problems += [f"not_kinds: {Sent.captured(m)} is a {kind}" for m in window if m.kind == kind]
        problems += [f"envelope: {p}" for p in envelope_problems(window)]
        if problems:
            raise self.failure(number, problems)
        self.window += len(window)
        return f"as expected ({len(window)} message(s) since the previous expect" + (
            f", {len(cases)} case(s))" if cases is not None else ")")

    def _reply(self, number: int, arguments: dict) -> str:
        sender, kind = arguments["from"], arguments["to_kind"]
        answered = [m for m in self.smtp.messages
                    if m.kind == kind and sender.lower() in (r.lower() for r in m.rcpt_tos)]
        if not answered:
            raise self.failure(number, [f"nothing to answer: no {kind} has reached {sender}"])
        original = answered[-1]
        at = parse_instant(arguments["at"])
        domain = sender.rpartition("@")[2]
        raw = compose_reply(original, sender=sender, body=arguments["body"], at=at,
                            message_id=f"<reply-{number}.{self.scenario.name}@{domain}>")
        to = original.header("Reply-To") or original.header("From")
        addresses = {address.lower(): name for name, (address, _) in DEPLOYMENTS[self.scenario.deployment].items()}
        mailbox = addresses.get(bare_address(to))
        if mailbox is None:
            raise self.failure(number, [f"the {kind} {original.message_id} has Reply-To/From {to!r}, "
                                        f"which is no watched mailbox ({', '.join(addresses)}): "
                                        f"a person's answer to it would never come back"])
        uid = self.installation.deliver(mailbox, raw, at=at)
        return f"answers {original.message_id} (To: {to}), delivered to {mailbox} as UID {uid}"

    # -- the outbox ---------------------------------------------------------

    def _await_outbox(self) -> list[str]:
        """Wait (with a deadline) until every message the outbox marked sent has reached aiosmtpd."""
        with Session(self.engine) as session:
            sent = session.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.status == "sent")) or 0
        try:
            self.smtp.wait_for(sent, timeout=ARRIVAL_SECONDS)
        except AssertionError as error:
            return [f"the outbox marked {sent} message(s) sent, but they did not all reach the SMTP server: {error}"]
        return []

    def _outbox_unsent(self) -> list[str]:
        with Session(self.engine) as session:
            rows = session.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")
                                   .order_by(OutboxMessage.id)).all()
            return [f"  {row.kind} to {', '.join(row.recipients)}: {row.status}, {row.attempts} attempt(s), "
                    f"next {row.next_attempt_at.isoformat() if row.next_attempt_at else '-'}"
                    + (f", last error {row.last_error!r}" if row.last_error else "") for row in rows]

    # -- the conversation ---------------------------------------------------

    def failure(self, number: int, problems: list[str]) -> StepFailed:
        kind, arguments = self.scenario.steps[number - 1]
        scenario = self.scenario
        lines = [f"Scenario {scenario.name} ({scenario.deployment}), {scenario.path.name}:",
                 *(f"  {line}" for line in _wrap(scenario.about)), "", "Steps:", *self.transcript,
                 f"  step {number:>2}  {describe_step(kind, arguments)}: FAILED"]
        for problem in problems:
            first, *rest = problem.splitlines()
            lines += [f"      - {first}", *(f"        {line}" for line in rest)]
        if number < len(scenario.steps):
            lines.append(f"  (steps {number + 1} to {len(scenario.steps)} not run)")
        lines += ["", f"What was sent in this scenario (messages from number {self.window + 1} on were sent "
                      "since the previous expect):", self.smtp.describe()]
        lines += ["", "Cases (cases export):", *self._cases_lines()]
        try:
            unsent = self._outbox_unsent()
        except Exception as error:  # noqa: BLE001 - the story must be told even if the database is gone
            unsent = [f"  (could not read the outbox: {error})"]
        lines += ["", "Outbox, not sent:", *(unsent or ["  (nothing)"])]
        try:
            taken_in = self._inbound_lines()
        except Exception as error:  # noqa: BLE001
            taken_in = [f"  (could not read the inbound messages: {error})"]
        lines += ["", "Mail taken in:", *(taken_in or ["  (none)"])]
        if self.last_run_log:
            lines += ["", "Warnings and errors of the last run:", *(f"  {line}" for line in self.last_run_log[-15:])]
        return StepFailed(number, kind, problems, "\n".join(lines))

    def _inbound_lines(self) -> list[str]:
        with Session(self.engine) as session:
            rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
            return [f"  {row.id}. {row.mailbox} {row.message_id or '(no Message-ID)'}: {row.status}"
                    + (f" (case id {row.case_id})" if row.case_id else "")
                    + (f": {row.error}" if row.error else "") for row in rows]

    def _cases_lines(self) -> list[str]:
        try:
            cases = self.installation.export()
        except Exception as error:  # noqa: BLE001
            return [f"  (cases export failed: {error})"]
        return [f"  {case_line(case)}" for case in cases] or ["  (no cases)"]


class _LogKept(logging.Handler):
    """Keeps what mailbot logs at WARNING and above during a run, one line each (an error's last line too)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            line += f" [{traceback.format_exception_only(record.exc_info[1])[-1].strip()}]"
        self.lines.append(line)

    def __enter__(self) -> _LogKept:
        logging.getLogger("mailbot").addHandler(self)
        return self

    def __exit__(self, *exc_info) -> None:
        logging.getLogger("mailbot").removeHandler(self)


def _wrap(text: str, width: int = 100) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def play(scenario: Scenario, installation, smtp) -> None:
    """Play every step; raises StepFailed (the conversation) at the first that does not go as written."""
    Player(scenario, installation, smtp).play()
