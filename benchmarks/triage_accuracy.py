"""How often triage decides as the corpus expects, fact by fact.

`python benchmarks/triage_accuracy.py [--set P|T|all] [--extra DIR|none]`

For every corpus scenario it takes the first message delivered and the
first case expected of it, runs parse + triage as an installation watching
every mailbox of the deployment would (so internal transfers happen), and
compares five facts: the case's status, where it goes (the body that keeps
it, or the body it is redirected to), anonymity, third party, and the
complainant's address. The extra cases beside this script (`triage_cases/`,
written for it, each series x, y, z by someone who had not seen the rules)
are measured the same way, a column per series. It prints
every difference with the deciding rule and a score per fact. A
measurement, not a test: it exits 0 whatever the scores. No servers.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from mailbot.config import shipped_dir
from mailbot.parse import parse_message
from mailbot.triage import Action, Known, RuleSet, evaluate, load_ruleset
from mailbot.triage.known import Mailbox

HERE = Path(__file__).parent
CORPUS = HERE.parent / "tests" / "corpus"
EXTRA = HERE / "triage_cases"
LONDON = ZoneInfo("Europe/London")
FACTS = ("status", "route", "anonymous", "third_party", "complainant")
STATUS = {Action.NEW_CASE: "open", Action.REQUEST_DETAILS: "awaiting-details",
          Action.REDIRECT: "redirected", Action.SIGNPOST: "closed"}
NO_CASE = "no case"
DEPLOYMENTS = ("cambridgeshire", "cleveland")
CASE_FIELDS = {"file", "deployment", "mailbox", "at", "about", "status", "body", "redirected_to",
               "anonymous", "third_party", "complainant"}


@dataclass(frozen=True)
class Case:
    """One message and what is expected of it: `expected` maps a fact to its value (facts left out are not scored)."""

    name: str
    group: str                  # P, T or extra
    path: Path
    deployment: str
    mailbox: str
    at: datetime
    staff: dict = field(default_factory=dict)     # mailbox -> staff addresses, as the scenario's config lists them
    expected: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: dict
    rule: str

    @property
    def differences(self) -> list[str]:
        return [fact for fact, value in self.case.expected.items() if self.got.get(fact) != value]


def expected_facts(case: dict | None) -> dict:
    """The facts a scenario's expected case states, in the names this script scores."""
    if case is None:
        return {"status": NO_CASE}
    facts = {"status": case["status"]}
    if case.get("redirected_to") or case.get("body"):
        facts["route"] = case.get("redirected_to") or case["body"]
    for fact in ("anonymous", "third_party"):
        if fact in case:
            facts[fact] = bool(case[fact])
    if case.get("complainant"):
        facts["complainant"] = case["complainant"].lower()
    return facts


def corpus_cases(corpus: Path = CORPUS) -> list[Case]:
    cases = []
    for path in sorted((corpus / "scenarios").glob("*.yaml")):
        scenario = yaml.safe_load(path.read_text())
        deliver = next(step["deliver"] for step in scenario["steps"] if "deliver" in step)
        expect = next(step["expect"] for step in scenario["steps"] if "expect" in step)
        first = (expect.get("cases") or [None])[0]
        cases.append(Case(name=path.stem, group=path.stem[:1].upper(), path=corpus / deliver["file"],
                          deployment=scenario["deployment"], mailbox=deliver["to"],
                          at=datetime.fromisoformat(str(deliver["at"])), staff=scenario.get("staff") or {},
                          expected=expected_facts(first)))
    return cases


def extra_cases(directory: Path) -> list[Case]:
    """The cases listed in DIR/cases.yaml: `file`, `deployment`, `mailbox`, `at` and the expected case's fields."""
    listed = yaml.safe_load((directory / "cases.yaml").read_text()) or []
    return [Case(name=Path(entry["file"]).stem, group=_series(entry["file"]), path=directory / entry["file"],
                 deployment=entry["deployment"], mailbox=entry["mailbox"],
                 at=datetime.fromisoformat(str(entry["at"])),
                 expected=expected_facts(None if entry["status"] == NO_CASE else entry))
            for entry in listed]


def _series(file: str) -> str:
    """The column an extra case is scored in: its series letter (x, y, z: each written at another time), else "extra"."""
    letter = file[:1]
    return letter if letter.isalpha() and file[1:3].isdigit() else "extra"


def known_for(case: Case, ruleset: RuleSet, sender: str) -> Known:
    """What an installation whose config lists every mailbox of the deployment (and the scenario's staff) knows."""
    mailboxes = tuple(Mailbox(name=name, address=ruleset.bodies[body].address.lower(),
                              staff=tuple(address.lower() for address in case.staff.get(name, ())))
                      for name, body in ruleset.mailboxes.items())
    own = frozenset(mailbox.address for mailbox in mailboxes)
    return Known(own_mail=f"sent from our own mailbox address {sender}" if sender in own else "",
                 received=case.at.astimezone(LONDON).date(), own_addresses=own, mailboxes=mailboxes,
                 staff_addresses=frozenset(address for mailbox in mailboxes for address in mailbox.staff))


def measure(case: Case, rulesets: dict[str, RuleSet]) -> Outcome:
    ruleset = rulesets[case.deployment]
    message = parse_message(case.path.read_bytes())
    decision = evaluate(message, case.mailbox, ruleset, known_for(case, ruleset, (message.sender or "").lower()))
    if decision.action not in STATUS:
        return Outcome(case, {"status": NO_CASE if decision.action is Action.IGNORE else str(decision.action)},
                       decision.rule)
    got = {"status": STATUS[decision.action],
           "route": decision.redirected_to if decision.action is Action.REDIRECT else decision.body,
           "anonymous": decision.anonymous, "third_party": decision.third_party,
           "complainant": (decision.complainant_email or "").lower()}
    return Outcome(case, got, decision.rule)


def scores(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """Right and total per fact: a fact counts where the expected case states it."""
    table = {}
    for fact in FACTS:
        scored = [outcome for outcome in outcomes if fact in outcome.case.expected]
        table[fact] = (sum(outcome.got.get(fact) == outcome.case.expected[fact] for outcome in scored), len(scored))
    return table


def report(outcomes: list[Outcome], out=sys.stdout) -> None:
    wrong = [outcome for outcome in outcomes if outcome.differences]
    print(f"Differences ({len(wrong)} of {len(outcomes)} messages):", file=out)
    for outcome in wrong:
        case = outcome.case
        print(f"  {case.group:5} {case.path.name} ({case.deployment}, {case.mailbox}), rule {outcome.rule or '-'}:",
              file=out)
        for fact in outcome.differences:
            print(f"        {fact}: expected {case.expected[fact]!r}, got {outcome.got.get(fact, '-')!r}", file=out)
    groups = sorted({outcome.case.group for outcome in outcomes}, key=lambda group: (group not in ("P", "T"), group))
    columns = {group: scores([o for o in outcomes if o.case.group == group]) for group in groups}
    columns["all"] = scores(outcomes)
    print("\nScore per fact (right/total):", file=out)
    print(f"  {'fact':12}" + "".join(f"{name:>9}" for name in columns), file=out)
    for fact in (*FACTS, "whole"):
        cells = []
        for name, table in columns.items():
            if fact == "whole":
                chosen = outcomes if name == "all" else [o for o in outcomes if o.case.group == name]
                right, total = sum(not o.differences for o in chosen), len(chosen)
            else:
                right, total = table[fact]
            cells.append(f"{right}/{total}")
        print(f"  {fact:12}" + "".join(f"{cell:>9}" for cell in cells), file=out)


def main(argv: list[str] | None = None, out=sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="`whole` counts messages with every stated fact right.")
    parser.add_argument("--set", choices=("P", "T", "all"), default="all", help="which corpus set (default all)")
    parser.add_argument("--extra", default=str(EXTRA), metavar="DIR",
                        help=f"a directory with cases.yaml and its mail (default {EXTRA.relative_to(HERE.parent)}); "
                             "'none' for the corpus alone")
    arguments = parser.parse_args(argv)
    cases = [case for case in corpus_cases() if arguments.set in ("all", case.group)]
    if arguments.extra != "none":
        cases += extra_cases(Path(arguments.extra))
    rulesets = {name: load_ruleset(shipped_dir("rules"), name) for name in DEPLOYMENTS}
    report([measure(case, rulesets) for case in cases], out=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
