"""Parse: raw bytes of one email into a plain `Message` value."""

from mailbot.parse.mime import parse_message

__all__ = ["parse_message"]
