"""Triage: a pure function from a message, its mailbox and the rule set to a `Decision` with reasons."""

from mailbot.triage.decision import Action, Decision, Hit
from mailbot.triage.evaluate import evaluate
from mailbot.triage.known import Known
from mailbot.triage.loading import load_ruleset
from mailbot.triage.ruleset import Body, RuleSet

__all__ = ["Action", "Body", "Decision", "Hit", "Known", "RuleSet", "evaluate", "load_ruleset"]
