"""mailbot: email intake and triage for the bodies that handle complaints about the police."""

__version__ = "0.1.0"
