"""Every corpus scenario, replayed step by step against the session's Dovecot and SMTP server.

Each scenario gets a fresh installation of its deployment (its own Dovecot
users, a new SQLite database, the scenario's staff) and `runner.play` walks
its steps; a failure prints the conversation (tests/scenarios/runner.py).
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from tests.installation import make_installation
from tests.scenarios.runner import SCENARIOS, Scenario, StepFailed, play

pytestmark = pytest.mark.dovecot


class Waiting(NamedTuple):
    """A scenario that needs a feature not built yet: from `from_step` on, a failure is expected."""

    from_step: int     # counted from 1, as the failure conversation numbers the steps
    reason: str        # names what it waits for


# Steps before `from_step` must pass: a failure there is a real one. From it
# on a failure is an xfail, and a pass is welcome. Remove a line when its
# feature lands.
WAITING: dict[str, Waiting] = {}   # every corpus scenario passes today

PATHS = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_scenario(path, tmp_path, dovecot, smtp_server):
    scenario = Scenario.load(path)
    installation = make_installation(tmp_path, dovecot, smtp_server, f"sqlite:///{tmp_path / 'mailbot.db'}",
                                     scenario.deployment, staff=scenario.staff)
    waiting = WAITING.get(scenario.name)
    try:
        play(scenario, installation, smtp_server)
        return
    except StepFailed as failed:
        if failed.__cause__ is not None and not (waiting and failed.number >= waiting.from_step):
            raise                           # a step broke with an exception: keep its traceback
        failure = failed
    # Outside the except block, so that pytest prints the conversation alone.
    if waiting and failure.number >= waiting.from_step:
        pytest.xfail(f"{waiting.reason}; {failure.summary}")
    pytest.fail(failure.conversation, pytrace=False)


def test_the_waiting_table_names_real_scenarios_and_steps():
    """A renamed scenario or a moved step must not silently turn real failures into expected ones."""
    names = {path.stem for path in PATHS}
    assert set(WAITING) <= names, sorted(set(WAITING) - names)
    for name, waiting in WAITING.items():
        scenario = Scenario.named(name)
        assert scenario.name == name, f"{name}.yaml calls itself {scenario.name}"
        assert 1 < waiting.from_step <= len(scenario.steps), (name, waiting)


def test_every_scenario_file_follows_the_format():
    for path in PATHS:
        scenario = Scenario.load(path)
        assert scenario.name == path.stem, f"{path.name} calls itself {scenario.name}"
