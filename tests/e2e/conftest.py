"""What end-to-end tests measure, shown with the results: `record_property("measured: NAME", value)`.

pytest keeps recorded properties for the JUnit report alone; this prints
the measured ones in the terminal summary too, with or without `-s`.
"""

from __future__ import annotations

MEASURED = "measured: "


def pytest_terminal_summary(terminalreporter) -> None:
    lines = [f"{report.nodeid}: {name[len(MEASURED):]} = {value}"
             for outcome in ("passed", "failed", "xpassed", "xfailed")
             for report in terminalreporter.stats.get(outcome, [])
             if getattr(report, "when", "call") == "call"
             for name, value in getattr(report, "user_properties", ())
             if isinstance(name, str) and name.startswith(MEASURED)]
    if lines:
        terminalreporter.section("measured")
        for line in lines:
            terminalreporter.write_line(line)
