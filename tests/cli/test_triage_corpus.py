"""`mailbot triage --explain` on every corpus mail names the rules that decided it, and touches nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mailbot.cli import main

CORPUS = Path(__file__).parent.parent / "corpus"
CONFIGS = {
    "cambridgeshire": [("democratic-services", "democratic.services@peterborough.gov.uk"),
                       ("cambs-pcc", "cambs-pcc@cambs.pnn.police.uk")],
    "cleveland": [("cleveland-resolution", "resolution.team@cleveland-opcc.example")],
}
STATUS = {"new-case": "open", "redirect": "redirected", "request-details": "awaiting-details", "signpost": "closed"}


def deliveries():
    for path in sorted((CORPUS / "scenarios").glob("*.yaml")):
        scenario = yaml.safe_load(path.read_text())
        first = next(step["deliver"] for step in scenario["steps"] if "deliver" in step)
        expect = next(step["expect"] for step in scenario["steps"] if "expect" in step)
        cases = expect.get("cases") or []
        yield pytest.param(scenario["deployment"], first, cases[0] if cases else None, id=path.stem)


@pytest.fixture(scope="module")
def configs(tmp_path_factory):
    root = tmp_path_factory.mktemp("triage")
    paths = {}
    for deployment, mailboxes in CONFIGS.items():
        lines = [f'deployment = "{deployment}"', "[smtp]", 'transport = "directory"', 'directory = "sent"']
        for name, address in mailboxes:
            lines += ["[[mailboxes]]", f'name = "{name}"', f'address = "{address}"', f'maildir = "Maildir/{name}"']
        paths[deployment] = root / f"{deployment}.toml"
        paths[deployment].write_text("\n".join(lines) + "\n")
    return paths


@pytest.mark.parametrize("deployment, delivery, case", list(deliveries()))
def test_explain_names_the_deciding_rule_and_agrees_with_the_scenario(configs, deployment, delivery, case):
    result = CliRunner().invoke(main, ["triage", str(CORPUS / delivery["file"]), "--mailbox", delivery["to"],
                                       "--explain", "--now", delivery["at"], "--config", str(configs[deployment])],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    rule = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("rule: "))
    assert f"{rule} (line " in out and "FIRES" in out, out
    decision = out.splitlines()[0].split(": ", 1)[1].split(" -> ")
    if case is None:
        assert decision[0] == "ignore", out
    else:   # an internal transfer is a step of the decision: its first line is the case's fate
        assert STATUS[decision[0]] == case["status"], out
        assert ("case in: " + case["mailbox"] in out) == (case["mailbox"] != delivery["to"]), out
        if case.get("redirected_to"):
            assert decision[1] == case["redirected_to"]
    assert not (configs[deployment].parent / "sent").exists()
