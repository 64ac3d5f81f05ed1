"""Where the config file and the shipped rules and templates are found."""

from __future__ import annotations

import os
from pathlib import Path

from mailbot.errors import ConfigError

DEFAULT_PATHS = (Path("mailbot.toml"), Path("/etc/mailbot/mailbot.toml"))
SHIPPED = Path(__file__).parent / "_shipped"      # inside an installed wheel
SOURCE_TREE = Path(__file__).parent.parent        # a checkout or an editable install


def shipped_dir(name: str) -> Path:
    """The shipped `rules` or `templates` folder, in a wheel or in the source tree."""
    inside = SHIPPED / name
    return inside if inside.is_dir() else SOURCE_TREE / name


def find_config(explicit: str | os.PathLike | None) -> Path:
    """The config file to use: the one given, else ./mailbot.toml, else /etc/mailbot/mailbot.toml."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        return path
    for path in DEFAULT_PATHS:
        if path.is_file():
            return path
    raise ConfigError("no config file: give --config FILE, or create ./mailbot.toml or /etc/mailbot/mailbot.toml")
