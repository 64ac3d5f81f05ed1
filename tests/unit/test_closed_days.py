"""A body's closure days in the rule files: loaded as dates into its calendar, mistakes named with file and line."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from mailbot.config import shipped_dir
from mailbot.errors import ConfigError
from mailbot.triage import load_ruleset
from tests.unit.rule_files import broken_rules

EXAMPLE = "    # closed_days: [2026-12-24, 2026-12-31]"   # the commented example for cambs-panel


def with_closed_days(tmp_path, closed_days: str):
    """The shipped cambridgeshire rules with `closed_days` set for cambs-panel; the file and that key's line."""
    return broken_rules(tmp_path, EXAMPLE, f"    closed_days: {closed_days}  #")


def problems_of(path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_ruleset(path.parent, "cambridgeshire")
    return caught.value.problems


def test_the_shipped_example_is_a_comment_that_would_load():
    text = (shipped_dir("rules") / "cambridgeshire.yaml").read_text()
    assert EXAMPLE in text


def test_the_shipped_rules_close_no_extra_days():
    for deployment in ("cambridgeshire", "cleveland"):
        for body in load_ruleset(shipped_dir("rules"), deployment).bodies.values():
            assert body.closed_days == frozenset(), body.id


def test_dates_and_date_strings_become_the_bodys_closure_days(tmp_path):
    path, _ = with_closed_days(tmp_path, '[2026-12-24, "2026-12-31"]')
    bodies = load_ruleset(path.parent, "cambridgeshire").bodies
    panel = bodies["cambs-panel"]
    assert panel.closed_days == {date(2026, 12, 24), date(2026, 12, 31)}
    assert not panel.calendar.is_working_day(date(2026, 12, 24))
    assert bodies["cambs-opcc"].calendar.is_working_day(date(2026, 12, 24))   # another body's office is open
    received = datetime(2026, 12, 23, 11, 0, tzinfo=timezone.utc)
    assert panel.calendar.due(received, 5) == date(2027, 1, 6)   # 4 January without the two closures
    assert bodies["cambs-opcc"].calendar.due(received, 5) == date(2027, 1, 4)


def test_a_block_list_of_dates(tmp_path):
    path, _ = with_closed_days(tmp_path, "\n      - 2026-12-24\n      - 2026-12-29")
    panel = load_ruleset(path.parent, "cambridgeshire").bodies["cambs-panel"]
    assert panel.closed_days == {date(2026, 12, 24), date(2026, 12, 29)}


@pytest.mark.parametrize("value, shown", [
    ("[2026-12-24, 24/12/2026]", "'24/12/2026'"),
    ('[2026-12-24, "Christmas Eve"]', "'Christmas Eve'"),
    ("[2026-12-24, 2026-02-30]", "'2026-02-30'"),            # not a day of the calendar: YAML leaves it a string
    ("[2026-12-24, 2026-12-31 12:00:00]", "datetime.datetime(2026, 12, 31, 12, 0)"),   # a time, not a day
    ("[2026-12-24, 2026-12-31 12:00]", "'2026-12-31 12:00'"),
    ("[2026-12-24, 20261231]", "20261231"),
])
def test_a_value_that_is_not_a_date_is_named_with_file_line_and_key(tmp_path, value, shown):
    path, line = with_closed_days(tmp_path, value)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line}: bodies.cambs-panel.closed_days[1]: expected a date (YYYY-MM-DD)")
    assert problem.endswith(f"got {shown}")


def test_a_bad_item_of_a_block_list_is_named_with_its_own_line(tmp_path):
    path, line = with_closed_days(tmp_path, "\n      - 2026-12-24\n      - next tuesday")
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:{line + 2}: bodies.cambs-panel.closed_days[1]:"), problem


def test_closed_days_must_be_a_list(tmp_path):
    path, _ = with_closed_days(tmp_path, "2026-12-24")
    [problem] = problems_of(path)
    assert "bodies.cambs-panel.closed_days: expected a list of dates (YYYY-MM-DD)" in problem
    assert problem.startswith(f"{path}:")
