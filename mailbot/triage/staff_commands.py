"""Staff commands: the `#close`, `#transfer BODY-ID` ... lines at the top of a staff member's reply.

Staff run a case from Outlook by replying to mailbot's notifications. A reply
whose first non-blank line starts with `#` is a command reply: its command
lines (blank lines between them are skipped) end at the first line that does
not start with `#`, and everything from there on is an internal note on the
case, never relayed. Any other reply is correspondence for the complainant,
and `read_commands` returns None for it.

A command reply is obeyed whole or not at all: one wrong line (an unknown
`#closed`, `#close now`, `#transfer` to an unknown body) gives errors in
words and no commands, for the `command-error` letter. Only the first 50
lines are read for commands and a line over 1,000 characters is never one,
so a reply of any size costs a bounded amount of work; no pattern is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from types import MappingProxyType

MAX_LINES = 50          # lines read for commands, leading blank lines included
MAX_LINE = 1_000        # characters: a longer line is prose, never a command

COMMANDS: Mapping[str, str] = MappingProxyType({
    "#note": "only keep the text of the reply as an internal note on the case (never sent to the complainant)",
    "#assign": "give the case to the member of staff at ADDRESS (one email address)",
    "#contacted": "record that the complainant has been contacted (meets first contact)",
    "#outcome": "record that the outcome has been given to the complainant today (a review may be asked for "
                "within 28 days)",
    "#close": "close the case; the complainant is told it is closed (meets first contact)",
    "#reopen": "reopen a closed case",
    "#transfer": "pass the case to the body BODY-ID (meets first contact)",
})
ARGUMENTS: Mapping[str, str] = MappingProxyType({"#assign": "ADDRESS", "#transfer": "BODY-ID"})

_FIRST_CONTACT = frozenset({"contacted", "close", "transfer"})
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"       # a BOM or zero-width space Outlook may put before a line
_NOT_IN_ADDRESS = frozenset('<>()[]\\,;:"')


@dataclass(frozen=True)
class Command:
    """One command line of a staff reply."""

    name: str           # "note", "assign", "contacted", "outcome", "close", "reopen", "transfer"
    argument: str = ""  # the bare address for assign, the canonical body id for transfer, "" otherwise
    line: int = 0       # 1-based line number in the reply text


@dataclass(frozen=True)
class StaffCommands:
    """What a command reply asks for: its commands and its note, or the errors that stop all of it."""

    commands: tuple[Command, ...]   # empty when there were errors
    note: str                       # text after #note on its line, then the text after the command block (stripped)
    errors: tuple[str, ...]         # each in words, naming the line; empty when all is well


def usage() -> str:
    """The commands and what each does, in words, for letters to staff."""
    forms = {name: f"{name} {ARGUMENTS[name]}" if name in ARGUMENTS else name for name in COMMANDS}
    width = max(len(form) for form in forms.values())
    return "\n".join(
        ["Put commands on lines of their own at the top of your reply. The rest of a reply that starts with a",
         "command is kept as an internal note and never sent to the complainant; a reply without a command is",
         "sent to the complainant.", ""]
        + [f"  {forms[name].ljust(width)}  {description}" for name, description in COMMANDS.items()])


def meets_first_contact(commands: Iterable[Command]) -> bool:
    """Whether the commands meet the first-contact deadline (#contacted, #close, #transfer; not #note)."""
    return any(command.name in _FIRST_CONTACT for command in commands)


def read_commands(text: str, bodies: Mapping[str, str]) -> StaffCommands | None:
    """The commands at the top of a staff reply; None when the reply does not begin with one.

    `bodies` maps every accepted body id and alias, lower-cased, to the
    canonical body id, for `#transfer`. None means the reply is
    correspondence to relay; otherwise the result has commands and no
    errors, or errors and no commands. Never raises on any text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    commands: list[Command] = []
    notes: list[str] = []
    errors: list[str] = []
    position, number, seen_command = 0, 0, False
    while position <= len(text):
        end = text.find("\n", position)
        end = len(text) if end == -1 else end
        if number == MAX_LINES or end - position > MAX_LINE:
            break
        number += 1
        line = _visible(text[position:end])
        if line and not line.startswith("#"):
            break
        if line:
            seen_command = True
            command, note, error = _read_line(line, number, bodies)
            commands += [command] if command else []
            notes += [note] if note else []
            errors += [error] if error else []
        position = end + 1
    rest = text[position:].strip()
    if number == MAX_LINES and _visible(rest).startswith("#"):
        seen_command = True
        errors.append(f"line {MAX_LINES + 1} and after: commands are read only in the first {MAX_LINES} lines "
                      "of a reply; put them at the top")
    if not seen_command:
        return None
    note = "\n".join(notes + ([rest] if rest else []))
    commands = _without_repeats(commands)
    errors += _conflicts(commands)
    return StaffCommands(() if errors else tuple(commands), note, tuple(errors))


def _visible(line: str) -> str:
    return line.strip().strip(_INVISIBLE).strip()


def _read_line(line: str, number: int, bodies: Mapping[str, str]) -> tuple[Command | None, str, str]:
    """(the command, the note text after #note, an error) of one line that starts with "#"."""
    word, *rest = line.split(None, 1)
    name, argument = word[1:].lower(), "".join(rest).strip()
    where = f"line {number} ({_quoted(line)})"
    if "#" + name not in COMMANDS:
        return None, "", f"{where}: {_unknown(name)}"
    if name == "note":
        return Command(name, "", number), argument, ""
    if name == "assign":
        address, problem = _address(argument)
        return (Command(name, address, number), "", "") if address else (None, "", f"{where}: {problem}")
    if name == "transfer":
        body, problem = _body(argument, bodies)
        return (Command(name, body, number), "", "") if body else (None, "", f"{where}: {problem}")
    if argument:
        return None, "", (f"{where}: #{name} takes nothing after it on its line (found {_quoted(argument)}); "
                          "write any words on the lines below the commands")
    return Command(name, "", number), "", ""


def _unknown(name: str) -> str:
    if not name:
        return "a # with no command after it"
    near = [known for known in COMMANDS if known[1:].startswith(name) or name.startswith(known[1:])]
    hint = f"did you mean {' or '.join(near)}?" if near else f"the commands are {', '.join(COMMANDS)}"
    return f"#{_shortened(name)} is not a command; {hint}"


def _address(argument: str) -> tuple[str, str]:
    """(the bare address with its domain lower-cased, "") or ("", what is wrong)."""
    if not argument:
        return "", "#assign needs the email address of the member of staff to give the case to"
    wrong = (f"{_quoted(argument)} is not one email address; write it as name@example.org "
             "or Name <name@example.org>")
    if argument.endswith(">") and "<" in argument:
        name, _, written = argument[:-1].rpartition("<")
        if "<" in name or ">" in name:
            return "", wrong
    else:
        written = argument
    written = written.strip()
    if parseaddr(f"<{written}>")[1] != written or any(char.isspace() or char in _NOT_IN_ADDRESS for char in written):
        return "", wrong
    local, at, domain = written.partition("@")
    labels = domain.split(".")
    if not local or not at or "@" in domain or len(labels) < 2 or not all(labels) or not written.isprintable():
        return "", wrong
    return f"{local}@{domain.lower()}", ""


def _body(argument: str, bodies: Mapping[str, str]) -> tuple[str, str]:
    """(the canonical body id, "") or ("", what is wrong, with the ids that would do)."""
    known = f"one of {', '.join(sorted(bodies))}" if bodies else "but no bodies are known to transfer to"
    if not argument:
        return "", f"#transfer needs the id of the body to pass the case to: {known}"
    if len(argument.split()) > 1:
        return "", f"#transfer takes one body id, not {_quoted(argument)}: {known}"
    body = bodies.get(argument.lower(), "")
    return (body, "") if body else ("", f"there is no body {_quoted(argument)}; the id must be {known}")


def _without_repeats(commands: list[Command]) -> list[Command]:
    """The commands in order, a command given twice alike kept once (at its first line)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for command in commands:
        if (command.name, command.argument) not in seen:
            seen.add((command.name, command.argument))
            kept.append(command)
    return kept


def _conflicts(commands: list[Command]) -> list[str]:
    """Commands of one reply that contradict each other: #close with #reopen, two different #assign or #transfer."""
    lines: dict[str, list[int]] = {}
    for command in commands:
        lines.setdefault(command.name, []).append(command.line)
    problems = []
    if "close" in lines and "reopen" in lines:
        problems.append(f"#close (line {lines['close'][0]}) and #reopen (line {lines['reopen'][0]}) contradict "
                        "each other; give one of them")
    for name, what in (("assign", "addresses"), ("transfer", "bodies")):
        if len(lines.get(name, ())) > 1:
            problems.append(f"#{name} is given more than once with different {what} "
                            f"(lines {', '.join(map(str, lines[name]))}); give it once")
    return problems


def _quoted(text: str) -> str:
    return f'"{_shortened(text)}"'


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
