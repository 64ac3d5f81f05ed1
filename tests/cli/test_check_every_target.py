"""`mailbot check` renders the redirect templates for every body of the rules' directory, not a sample list."""

from __future__ import annotations

from tests.cli.conftest import mailbot


def test_check_finds_a_template_that_breaks_only_for_a_body_added_to_the_directory(local):
    """GIVEN a body an administrator added to the directory, and a redirect-notice that fails only for it
    WHEN `mailbot check` runs THEN it names the template and the error: a redirect (or #transfer) there
    would otherwise fail on the day."""
    rules = local / "rules" / "cambridgeshire.yaml"
    rules.write_text(rules.read_text().replace("  iopc:\n", "  county-ombudsman:\n"
                                               "    name: County Ombudsman\n"
                                               "    address: complaints@ombudsman.example\n"
                                               "  iopc:\n", 1))
    notice = local / "templates" / "cambridgeshire" / "redirect-notice.txt.j2"
    notice.write_text(notice.read_text() + '{% if decision.redirected_to and decision.redirected_to.id == '
                                           '"county-ombudsman" %}{{ no_such_value.name }}{% endif %}\n')

    result = mailbot(local, "check")

    assert result.exit_code != 0
    assert "redirect-notice.txt.j2" in result.output and "no_such_value" in result.output, result.output
