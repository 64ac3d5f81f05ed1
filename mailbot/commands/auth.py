"""`mailbot auth login`: the one-time sign-in that `oauth_flow = "delegated"` keeps as a refresh token."""

from __future__ import annotations

import sys
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import click

from mailbot.commands.options import EXIT_CONFIG, EXIT_UNREACHABLE, config_option, reports_config_errors
from mailbot.config import load_settings
from mailbot.config_paths import find_config
from mailbot.errors import ConfigError
from mailbot.oauth.errors import TokenError
from mailbot.settings import OAuthSettings, Settings

LOGIN_TIMEOUT = 30.0         # each request to the sign-in service; the person has the code's lifetime (15 min)


def session_for_login(timeout: float):
    """The HTTP session the sign-in goes through (tests point it at a loopback provider)."""
    from mailbot.oauth.session import TimedSession    # requests is loaded only for a sign-in, not by every command

    return TimedSession(timeout)


@click.group()
def auth():
    """OAuth2 sign-ins for mailboxes whose config says oauth_flow = "delegated"."""


@auth.command()
@config_option
@click.option("--mailbox", "mailbox_name", metavar="NAME", help="The mailbox whose IMAP login needs the sign-in.")
@click.option("--smtp", is_flag=True,
              help="The SMTP server's sign-in instead (the top-level [smtp], or --mailbox NAME's own [mailboxes.smtp]).")
@click.option("--port", type=int, default=0, show_default="a free port",
              help="Google: the port on 127.0.0.1 the browser is sent back to (fix it to tunnel it over SSH).")
@reports_config_errors
def login(config_path, mailbox_name, smtp, port):
    """Sign in once as a person with access to the mailbox; the refresh token is kept in token_store.

    \b
    Microsoft 365: prints a code to enter at https://microsoft.com/devicelogin
    (on any computer), then waits for the sign-in.
    Google: prints a URL to open in a browser on this computer, or on yours
    with `ssh -L PORT:127.0.0.1:PORT` to this one; Google sends the browser
    back to 127.0.0.1:PORT.
    The file token_store names is written with mode 0600 and replaced
    atomically whenever the provider issues a new refresh token. Run this
    again whenever mailbot reports that the sign-in expired or was revoked.

    Exit status: 0 signed in and saved; 1 the sign-in failed; 2 a config mistake.
    """
    settings = load_settings(find_config(config_path))
    oauth, user, place = chosen_login(settings, mailbox_name=mailbox_name, smtp=smtp)
    try:
        with session_for_login(LOGIN_TIMEOUT) as http:
            grant = sign_in(oauth, user=user, place=place, http=http, port=port, echo=click.echo)
    except TokenError as error:
        click.echo(f"mailbot: {error}", err=True)
        click.echo(f"mailbot: what to do: {error.diagnosis}", err=True)
        sys.exit(EXIT_UNREACHABLE)
    who = f" as {grant.account}" if grant.account else ""
    click.echo(f"{place}: signed in{who}; the refresh token is saved in {oauth.token_store} (readable by this user only)")


def chosen_login(settings: Settings, *, mailbox_name: str | None, smtp: bool) -> tuple[OAuthSettings, str, str]:
    """The OAuth settings, user and place that --mailbox/--smtp name; ConfigError when they need no sign-in."""
    mailbox = None
    if mailbox_name is not None:
        try:
            mailbox = settings.mailbox(mailbox_name)
        except KeyError:
            known = ", ".join(box.name for box in settings.mailboxes)
            raise ConfigError(f"{settings.path}: no mailbox named {mailbox_name!r} (known: {known})") from None
    if smtp:
        server = settings.smtp_for(mailbox) if mailbox else settings.smtp
        oauth, user, place = server.oauth, server.username, f"smtp ({server.host}:{server.port})"
    elif mailbox is None:
        raise ConfigError("mailbot auth login needs --mailbox NAME or --smtp (or both)")
    elif mailbox.imap is None:
        raise ConfigError(f"{settings.path}: mailbox {mailbox.name!r} is a Maildir: it has no login")
    else:
        imap = mailbox.imap
        oauth, user, place = imap.oauth, imap.username or mailbox.address, f"mailbox {mailbox.name!r} ({imap.host})"
    if oauth.flow != "delegated" or oauth.provider not in ("microsoft", "google"):
        raise ConfigError(f"{settings.path}: {place} does not use oauth_provider microsoft or google with "
                          "oauth_flow = \"delegated\": it needs no sign-in")
    return oauth, user, place


def sign_in(oauth: OAuthSettings, *, user: str, place: str, http, port: int, echo: Callable[[str], None]):
    """Run the provider's sign-in, telling the person what to do through `echo`; the grant saved."""
    from mailbot.oauth import google_login, microsoft    # msal and google-auth: loaded for a sign-in only

    if oauth.provider == "microsoft":
        flow = microsoft.start_device_login(oauth, place=place, http=http)
        echo(flow["message"])
        echo(f"Sign in as {user} or as a person with Full Access to it; waiting ...")
        return microsoft.finish_device_login(oauth, flow, place=place)

    def show(url: str) -> None:
        redirect = urlsplit(parse_qs(urlsplit(url).query)["redirect_uri"][0])
        echo(f"Open this address in a browser and sign in as {user}:\n\n  {url}\n")
        echo(f"The browser is sent back to 127.0.0.1:{redirect.port}. If it runs on another computer, first run "
             f"there: ssh -L {redirect.port}:127.0.0.1:{redirect.port} <this server>   Waiting ...")
    return google_login.login(oauth, user=user, place=place, http=http, show=show, port=port)
