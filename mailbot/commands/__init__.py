"""The subcommands of `mailbot` beyond `run`, one module each."""
