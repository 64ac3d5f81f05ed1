"""The `command` provider: a program the administrator names prints the access token."""

from __future__ import annotations

import subprocess

from mailbot.oauth.errors import TokenError


def command_token(command: tuple[str, ...], *, place: str, timeout: float) -> str:
    """Run `token_command` (bounded by the timeout); its stripped stdout is the bearer token.

    Only the program's name and the last line of its stderr reach an error:
    never its output, which may be a token.
    """
    if not command:
        raise TokenError(f"{place}: auth = oauth2 needs a token_command")
    name = command[0]
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise TokenError(f"{place}: token command {name!r} gave no token within {timeout} s",
                         diagnosis=f"the token command {name!r} did not finish within {timeout} s: "
                                   "run it by hand as the mailbot user to see where it waits") from None
    except OSError as exc:
        raise TokenError(f"{place}: token command {name!r} could not run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1][:200]
        raise TokenError(f"{place}: token command {name!r} failed with status {done.returncode}: {last}")
    token = done.stdout.strip()
    if not token:
        raise TokenError(f"{place}: token command {name!r} printed no token")
    return token
