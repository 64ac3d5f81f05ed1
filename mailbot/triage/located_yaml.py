"""YAML that remembers where each mapping and list began, so every mistake names its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mailbot.errors import ConfigError


class LocatedDict(dict):
    """A YAML mapping with the line it started on."""

    line = 0


class LocatedList(list):
    """A YAML sequence with the line it started on, and the line of each item."""

    line = 0
    lines: tuple[int, ...] = ()


class _Loader(yaml.SafeLoader):
    def construct_located_mapping(self, node, deep=False):
        mapping = LocatedDict(self.construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping

    def construct_located_sequence(self, node, deep=False):
        sequence = LocatedList(self.construct_sequence(node, deep=True))
        sequence.line = node.start_mark.line + 1
        sequence.lines = tuple(item.start_mark.line + 1 for item in node.value)
        return sequence


    def construct_checked_timestamp(self, node):
        # A date-shaped value that is no day (2026-02-30) stays text, for the check of its key to report
        # with its line, rather than a ValueError with none.
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_checked_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_located_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_located_sequence)


def load_located(text: str) -> Any:
    """Parse YAML text; mappings and lists carry `.line`. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_Loader)


def line_of(node: Any) -> int | str:
    return getattr(node, "line", "?")


def load_mapping_file(path: Path, what: str) -> Any:
    """The located mapping in `path`; ConfigError naming the file when it is missing, not YAML or not a mapping.

    `what` says what the mapping should hold, for the message.
    """
    try:
        data = load_located(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ConfigError(f"{path}: cannot read it: {reason}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with {what}")
    return data
