"""Copies of the shipped rules with one change, for tests of how mistakes in them are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

from mailbot.config import shipped_dir


def broken_rules(tmp_path: Path, shipped: str, broken: str) -> tuple[Path, int]:
    """A copy of the shipped rules with `shipped` replaced by `broken`; the file and the line changed.

    The text is looked for in the Cambridgeshire file, then in the file both deployments share.
    """
    rules = tmp_path / "rules"
    shutil.copytree(shipped_dir("rules"), rules)
    path = rules / "cambridgeshire.yaml"
    if shipped not in path.read_text():
        path = rules / "common.yaml"
    text = path.read_text()
    assert shipped in text
    path.write_text(text.replace(shipped, broken, 1))
    return path, text[:text.index(shipped)].count("\n") + 1
