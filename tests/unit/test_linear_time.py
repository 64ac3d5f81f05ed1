"""No message can stall triage: every pattern is matched in time linear in the text, whatever a sender writes.

Issue 6: a display name of 45 capital letters and a short word took triage
100 s (a nested quantifier in identity.py), 60 letters stalled every pass.
Each measurement here runs in a forked child and counts the child's CPU time:
a stall fails the test instead of hanging the suite, and the other processes
of a shared machine do not count.
"""

from __future__ import annotations

import importlib
import math
import multiprocessing
import pkgutil
import re
import time
from email.message import EmailMessage

import pytest

import mailbot
from mailbot import patterns
from mailbot.config import shipped_dir
from mailbot.outbox.compose import parse_address
from mailbot.parse import parse_message
from mailbot.parse.written_address import written_address
from mailbot.triage import Known, evaluate, load_ruleset

SIZE = 100_000              # characters of each adversarial input
# CPU seconds per pattern and input. RE2 takes about a millisecond to search, but a findall that returns
# 100,000 one-character matches takes 0.1-0.6 s on a busy 2-core machine; a quadratic pattern takes minutes.
LIMIT = 2.0
GIVE_UP = 120               # wall-clock seconds after which a child counts as stalled
RULESETS = {name: load_ruleset(shipped_dir("rules"), name) for name in ("cambridgeshire", "cleveland")}
_FORK = multiprocessing.get_context("fork")


def cpu_seconds(work):
    """(CPU seconds, result) of `work()` run in a forked child; (inf, None) when it did not finish in time."""
    receive, send = _FORK.Pipe(duplex=False)

    def child():
        start = time.process_time()
        result = work()
        send.send((time.process_time() - start, result))

    process = _FORK.Process(target=child, daemon=True)
    process.start()
    ready = receive.poll(GIVE_UP)
    outcome = receive.recv() if ready else (math.inf, None)
    if process.is_alive():
        process.kill()
    process.join()
    return outcome


def repeat(piece: str) -> str:
    return (piece * (SIZE // len(piece) + 1))[:SIZE]


# Long runs of one character, letters with spaces, line breaks, punctuation, and near misses of the shipped words.
HAYSTACKS = {
    "a": repeat("a"), "A": repeat("A"), "A-then-bb": repeat("A")[:-3] + " bb", "Aa": repeat("Aa"),
    "a-space": repeat("a "), "Ab-space": repeat("Ab "), "spaces": repeat(" "), "spaces-then-x": "a" + repeat(" ") + "x",
    "tabs-nbsp": repeat("\t\xa0\u2003"), "newlines": repeat("\n"), "a-newline": repeat("a\n"), "crlf": repeat("\r\n"),
    "digits": repeat("1"), "digit-lines": repeat("1\n"), "dashes": repeat("-"), "dots": repeat("."),
    "punctuation": repeat("<[(@:,;\"'*?)]>"), "brackets": repeat("["), "angles": repeat("<"), "at": repeat("a@"),
    "colon-label": repeat("Name ") + "x", "dates": repeat("1 1 1/1/ 12 jan"), "words": repeat("not complain "),
    "names": repeat("Mr Aaaa Bbbb, "), "forward": repeat("fw: [x] "), "on-wrote": repeat("On x wrote "),
    "chief-constable": repeat("chief constable on behalf of "),
    "unicode": repeat("é’“Ünder\u2028"),
}
# re patterns kept because they are linear as used: anchored by .match or .fullmatch (their comments say so).
ANCHORED = {"_MARKED", "_ORIGINAL_MESSAGE", "_FROM_LINE", "_RULE", "_HEADING", "_FIELD", "_NONCE", "_SHAPE",
            "_ADDR_SPEC", "_OMITTED_MINIMUM",
            "_HEADER_LINE", "_MIME_TYPE"}   # parse.head, parse.long_bodies: .match at the start of one line or value


def code_patterns():
    """Every compiled pattern held by a module of mailbot (re's and patterns'), once each, with its name."""
    seen: dict[int, object] = {}
    for info in pkgutil.walk_packages(mailbot.__path__, "mailbot."):
        if info.name.startswith("mailbot.db.migrations") or info.name == "mailbot.__main__":
            continue
        for name, value in vars(importlib.import_module(info.name)).items():
            if isinstance(value, (re.Pattern, patterns.Pattern)) and id(value) not in seen:
                seen[id(value)] = pytest.param(name, value, id=f"{info.name}.{name}")
    return list(seen.values())


def rule_patterns():
    """Every pattern of both shipped rule sets: signals, unless, policy lists and completeness items."""
    found = []
    for deployment, ruleset in RULESETS.items():
        groups = {f"signal {name}.{kind}": getattr(signal, kind)
                  for name, signal in ruleset.signals.items() for kind in ("patterns", "unless")}
        policy = ruleset.policy
        groups |= {f"policy.{key}": getattr(policy, key) for key in (
            "wishes_anonymity", "not_a_person", "sign_off_noise", "acting_for_another", "permission_enclosed",
            "permission_not_enclosed", "review_request", "review_letter")}
        groups |= {f"completeness.{item}": items for item, items in policy.completeness.items()}
        for where, compiled in groups.items():
            found += [pytest.param(pattern, id=f"{deployment}: {where}: {pattern.text}") for pattern in compiled]
    return found


def words_of(source: str) -> str:
    """The literal words of a pattern, so that an input can nearly match it again and again."""
    return " ".join(re.findall(r"[A-Za-z]{2,}", source)) or "x"


def slowest(calls) -> tuple[float, str]:
    """(CPU seconds, label) of the slowest of `calls` [(label, call)], all run in one forked child."""
    def each():
        times = []
        for label, call in calls:
            start = time.process_time()
            call()
            times.append((time.process_time() - start, label))
        return max(times)

    return cpu_seconds(each)[1] or (math.inf, "all of them: stalled")


@pytest.mark.parametrize("name, pattern", code_patterns())
def test_every_pattern_of_the_code_is_linear_on_adversarial_input(name, pattern):
    haystacks = HAYSTACKS | {"own-words": repeat(words_of(str(pattern.pattern)) + " ")}
    if isinstance(pattern.pattern, bytes):
        haystacks = {label: text.encode("utf-8", "surrogatepass") for label, text in haystacks.items()}
    everywhere = isinstance(pattern, patterns.Pattern) or name not in ANCHORED   # RE2 is linear in every use
    calls = []
    for label, text in haystacks.items():
        calls.append((f"{label} (match)", lambda text=text: pattern.match(text)))
        if everywhere:
            calls.append((f"{label} (findall)", lambda text=text: pattern.findall(text)))
    seconds, label = slowest(calls)
    assert seconds < LIMIT, f"{name} {pattern.pattern!r} took {seconds:.2f} s of CPU on {label}"


@pytest.mark.parametrize("pattern", rule_patterns())
def test_every_pattern_of_the_shipped_rules_is_linear_on_adversarial_input(pattern):
    haystacks = HAYSTACKS | {"own-words": repeat(words_of(pattern.text) + " ")}
    calls = [(label, lambda text=text: pattern.search(text)) for label, text in haystacks.items()]
    seconds, label = slowest(calls)
    assert seconds < LIMIT, f"{pattern.text!r} took {seconds:.2f} s of CPU on {label}"


def mail(*, display_name: str = "", body: str) -> bytes:
    message = EmailMessage()
    message["From"] = f'"{display_name}" <writer@example.org>' if display_name else "writer@example.org"
    message["To"] = "cambs-pcc@cambs.pnn.police.uk"
    message["Subject"] = "Complaint"
    message.set_content(body)
    return message.as_bytes()


def triage_both(raw: bytes) -> list[tuple[bool, str]]:
    """(anonymous, complainant's name) as each shipped deployment decides `raw`."""
    message = parse_message(raw)
    return [(decision.anonymous, decision.complainant_name) for decision in (
        evaluate(message, next(iter(ruleset.mailboxes)), ruleset, Known()) for ruleset in RULESETS.values())]


COMPLAINT = "I want to complain about the officer who shouted at me outside the station on Monday.\n\n"


@pytest.mark.parametrize("letters", [45, 60])
@pytest.mark.parametrize("where", ["display name", "sign-off"])
@pytest.mark.parametrize("last_word, named", [("bb", False), ("Bb", True)])
def test_a_long_capitalised_name_and_a_short_word_is_decided_at_once(letters, where, last_word, named):
    """GIVEN "AAAA…A bb" as display name or signed name (issue 6: 45 letters took 100 s, 60 stalled every pass)
    WHEN both deployments triage it
    THEN it takes well under a second, and is a person's name only when both words are capitalised."""
    name = "A" * letters + " " + last_word
    raw = mail(display_name=name, body=COMPLAINT) if where == "display name" else \
        mail(body=COMPLAINT + f"Regards,\n{name}")
    seconds, decisions = cpu_seconds(lambda: triage_both(raw))
    assert seconds < 1, f"triage took {seconds:.2f} s of CPU"
    assert decisions == [(not named, name if named else "")] * 2


def test_a_body_of_many_short_lines_is_read_in_linear_time():
    """GIVEN 100,000 short lines and no name (the sign-off search looked for each line's neighbours
    from that line again: quadratic, 23 s)  THEN both deployments decide in seconds."""
    raw = mail(body="1\n" * 100_000)
    seconds, decisions = cpu_seconds(lambda: triage_both(raw))
    assert seconds < 5, f"triage took {seconds:.2f} s of CPU"
    assert decisions == [(True, "")] * 2


@pytest.mark.parametrize("line", ["a" + " " * SIZE + "x", "Name" + " " * SIZE + "?x", "what happened " * 7000])
def test_a_line_shaped_like_a_form_label_is_parsed_at_once(line):
    """The IOPC form's label pattern was cubic in the spaces of a line without a colon (4,000 took 31 s)."""
    raw = mail(body=f"{COMPLAINT}{line}\n")
    seconds, _ = cpu_seconds(lambda: parse_message(raw).forwarded)
    assert seconds < 1, f"parse took {seconds:.2f} s of CPU"


@pytest.mark.parametrize("label, value", [
    ("spaces after a bracket", "a@b.example <" + " " * SIZE),
    ("no at sign", "a" * SIZE),
    ("many at signs", "a@" * (SIZE // 2)),
])
def test_addresses_written_in_text_are_read_at_once(label, value):
    """Addresses in forwarded blocks and forms: the bracket pattern was quadratic in the spaces after "<"."""
    assert slowest([(label, lambda: written_address(value))])[0] < LIMIT


@pytest.mark.parametrize("text", [" " * SIZE, "x" + " " * SIZE + "x", "<" * SIZE, "a " * (SIZE // 2) + "<a@b.example>"])
def test_an_address_to_send_to_is_read_at_once(text):
    """`Name <address>` for outgoing mail: the pattern was cubic in spaces (4,000 took 30 s)."""
    def parse():
        try:
            return parse_address(text)
        except ValueError:
            return None
    assert slowest([(repr(text[:10]), parse)])[0] < LIMIT
