"""The triage accuracy benchmark runs on the corpus without servers and scores every fact; its extra cases are sound."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from mailbot.config import shipped_dir
from mailbot.triage import load_ruleset

SCRIPT = Path(__file__).parent.parent.parent / "benchmarks" / "triage_accuracy.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("triage_accuracy", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module     # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def score_lines(output: str) -> dict[str, list[tuple[int, int]]]:
    table = output.split("Score per fact (right/total):", 1)[1]
    return {line.split()[0]: [tuple(map(int, cell.split("/"))) for cell in line.split()[1:]]
            for line in table.splitlines() if re.match(r"\s+\w+(\s+\d+/\d+)+\s*$", line)}


@pytest.mark.parametrize("which, columns, messages", [("all", ["P", "T"], 68), ("T", ["T"], 30), ("P", ["P"], 38)])
def test_it_reports_a_score_per_fact_on_the_corpus_and_exits_0(script, which, columns, messages):
    out = io.StringIO()
    assert script.main(["--set", which, "--extra", "none"], out=out) == 0
    output = out.getvalue()
    header = next(line for line in output.splitlines() if line.strip().startswith("fact "))
    assert header.split()[1:] == [*columns, "all"]
    scores = score_lines(output)
    assert set(scores) == {*script.FACTS, "whole"}
    for fact, cells in scores.items():
        assert all(0 <= right <= total for right, total in cells), (fact, cells)
    assert scores["status"][-1][1] == scores["whole"][-1][1] == messages   # every message has its status scored
    assert f"of {messages} messages" in output


def test_a_difference_names_the_file_both_values_and_the_deciding_rule(script):
    out = io.StringIO()
    script.report([script.Outcome(script.Case(name="m", group="extra", path=Path("m.eml"), deployment="cleveland",
                                              mailbox="cleveland-resolution", at=datetime(2026, 12, 7),
                                              expected={"status": "closed", "anonymous": False}),
                                  got={"status": "open", "anonymous": False}, rule="dissatisfaction")], out=out)
    output = out.getvalue()
    assert "m.eml (cleveland, cleveland-resolution), rule dissatisfaction" in output
    assert "status: expected 'closed', got 'open'" in output and "anonymous: expected" not in output
    assert score_lines(output)["anonymous"] == [(1, 1), (1, 1)] and score_lines(output)["status"] == [(0, 1), (0, 1)]


def test_the_extra_cases_name_existing_mail_and_valid_fields(script):
    listed = yaml.safe_load((script.EXTRA / "cases.yaml").read_text())
    assert len(listed) >= 24
    rulesets = {name: load_ruleset(shipped_dir("rules"), name) for name in script.DEPLOYMENTS}
    assert len({entry["file"] for entry in listed}) == len(listed)
    for entry in listed:
        assert set(entry) <= script.CASE_FIELDS, entry["file"]
        assert (script.EXTRA / entry["file"]).is_file(), entry["file"]
        ruleset = rulesets[entry["deployment"]]
        assert entry["mailbox"] in ruleset.mailboxes, entry["file"]
        assert datetime.fromisoformat(entry["at"]).tzinfo is not None, entry["file"]
        assert entry["status"] in {"open", "awaiting-details", "redirected", "closed", script.NO_CASE}, entry["file"]
        if entry["status"] == script.NO_CASE:
            continue
        assert entry["body"] in ruleset.bodies and isinstance(entry["anonymous"], bool), entry["file"]
        assert isinstance(entry["third_party"], bool) and "@" in entry["complainant"], entry["file"]
        assert (entry["status"] == "redirected") == bool(entry.get("redirected_to")), entry["file"]
        assert entry.get("redirected_to", entry["body"]) in ruleset.bodies, entry["file"]


def test_the_extra_cases_are_measured_by_default(script):
    out = io.StringIO()
    assert script.main(["--set", "P"], out=out) == 0
    listed = yaml.safe_load((script.EXTRA / "cases.yaml").read_text())
    series = sorted({entry["file"][0] for entry in listed})            # one column per series: x, y, z
    header = next(line for line in out.getvalue().splitlines() if line.strip().startswith("fact "))
    assert header.split()[1:] == ["P", *series, "all"]
    status = score_lines(out.getvalue())["status"]
    assert sum(total for _, total in status[1:-1]) == len(listed)
