"""The header registry compose writes with: the standard one, but each header's class made once."""

from __future__ import annotations

from email.headerregistry import HeaderRegistry


class HeaderClasses(HeaderRegistry):
    """The standard registry, making each header's class once: it makes a new class for every header set,
    which was a seventh of composing (an outbox of thousands of letters sets tens of thousands)."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._made.clear()

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made
