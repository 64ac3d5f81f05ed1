"""YAML that remembers where each mapping and list began, so every mistake names its line."""

from __future__ import annotations

from typing import Any

import yaml


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
