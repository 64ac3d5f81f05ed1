"""Plain words for what an administrator should do when a provider refuses a token or a server refuses the login."""

from __future__ import annotations

# Microsoft Entra ID's AADSTS codes that a mail daemon meets, and what fixes each.
RELOGIN = ("the saved sign-in (refresh token) has expired or was revoked (a password change, an administrator, "
           "or 90 days unused): run `mailbot auth login` for this mailbox (or `--smtp`) again")
MICROSOFT = {
    "AADSTS65001": "consent is missing: an administrator must grant admin consent for the app's API permissions "
                   "(Entra admin center > App registrations > the app > API permissions > Grant admin consent)",
    "AADSTS90002": "the tenant is wrong: tenant_id names no Microsoft Entra tenant; use the Directory (tenant) ID "
                   "from the app registration's Overview page",
    "AADSTS900023": "the tenant is wrong: tenant_id is not a tenant id or domain; use the Directory (tenant) ID "
                    "from the app registration's Overview page",
    "AADSTS7000215": "the client secret is wrong: use the secret's Value (shown once when it was made), "
                     "not its Secret ID",
    "AADSTS7000222": "the client secret has expired: make a new one under Certificates & secrets and put it where "
                     "client_secret_env or client_secret_file points",
    "AADSTS700016": "the app is not found in this tenant: check client_id (the Application (client) ID) and that "
                    "the app is registered in, or consented to by, the tenant tenant_id names",
    "AADSTS700027": "the certificate is not the app's: upload the certificate (its public part) under the app's "
                    "Certificates & secrets, or point client_certificate_file at the one uploaded",
    "AADSTS500011": "Exchange Online is not in this tenant, or the scope is misspelt: check the tenant has "
                    "Exchange Online and that tenant_id is the right one",
    "AADSTS70011": "the scope is refused: the app needs the Office 365 Exchange Online permissions "
                   "(IMAP.AccessAsApp / SMTP.SendAsApp for app-only, IMAP.AccessAsUser.All / SMTP.Send delegated)",
    "AADSTS7000218": "the app registration does not allow a sign-in without a secret: turn on "
                     "Authentication > Allow public client flows for the app",
    "AADSTS53003": "Conditional Access blocked the sign-in: an administrator must exclude the app or this "
                   "server's address from the policy",
    "AADSTS50076": "the sign-in needs multi-factor authentication again: run `mailbot auth login` again",
    "AADSTS50173": RELOGIN,
    "AADSTS700082": RELOGIN,
    "AADSTS50034": "the user does not exist in this tenant: sign in with an account of the tenant tenant_id names",
}
GOOGLE_APP = {
    "unauthorized_client": "domain-wide delegation is not granted for this scope: in the Google Admin console "
                           "(Security > Access and data control > API controls > Domain-wide delegation) add the "
                           "service account's client ID with the scope https://mail.google.com/",
    "invalid_grant": "Google refused the service account's request: the user is not in the Workspace domain, "
                     "the key was deleted or disabled, or domain-wide delegation is not granted for "
                     "https://mail.google.com/ (Admin console > Security > API controls > Domain-wide delegation)",
    "access_denied": "the user's account refused the request: check it is an active Workspace user with Gmail on",
}
GOOGLE_DELEGATED = {
    "invalid_grant": RELOGIN + " (an app still in Testing status on the OAuth consent screen loses its sign-ins "
                               "after 7 days: publish it as Internal)",
    "invalid_client": "the OAuth client id or secret is wrong: copy both from the Google Cloud console "
                      "(APIs & Services > Credentials, the Desktop app client)",
    "unauthorized_client": "the OAuth client may not use this flow: make a Desktop app client in the Google Cloud "
                           "console and use its id and secret",
}
COMMON = {
    "invalid_client": "the client credentials were refused: check client_id and the client secret or certificate",
    "invalid_grant": RELOGIN,
    "invalid_scope": "the scope was refused: check the app's API permissions",
    "temporarily_unavailable": "the sign-in service is temporarily unavailable: mailbot tries again on the next pass",
}


def aadsts_code(description: str, codes: list[int] | tuple[int, ...] = ()) -> str:
    """The AADSTS code of a Microsoft error (from `error_codes`, else the description's first AADSTSnnnn)."""
    if codes:
        return f"AADSTS{codes[0]}"
    start = description.find("AADSTS")
    if start < 0:
        return ""
    end = start + len("AADSTS")
    while end < len(description) and description[end].isdigit():
        end += 1
    return description[start:end] if end > start + len("AADSTS") else ""


def diagnose(provider: str, flow: str, *, error: str, code: str = "") -> str:
    """What to do about a token endpoint's refusal (`error` its OAuth error, `code` an AADSTS code); "" when unknown."""
    if provider == "microsoft" and code in MICROSOFT:
        return MICROSOFT[code]
    if provider == "google":
        table = GOOGLE_APP if flow == "app" else GOOGLE_DELEGATED
        if error in table:
            return table[error]
    if error == "invalid_grant" and flow == "app":
        return ""        # an app-only flow has no sign-in to redo
    return COMMON.get(error, "")


def first_line(text: str, limit: int = 200) -> str:
    """The first line of a server's text, bounded: enough to recognise, never a whole response."""
    return (text.strip().splitlines() or [""])[0][:limit]


LOGIN_REFUSALS = {
    ("microsoft", "imap"): "the token was refused by Exchange Online IMAP: for app-only access the app lacks "
                           "IMAP.AccessAsApp with admin consent, the service principal is not registered in Exchange "
                           "(New-ServicePrincipal), or it lacks the mailbox permission (Add-MailboxPermission "
                           "-AccessRights FullAccess); delegated, the signed-in user lacks access to the mailbox",
    ("microsoft", "smtp"): "the token was refused by Exchange Online SMTP: SMTP AUTH may be off for the mailbox "
                           "(Set-CASMailbox -SmtpClientAuthenticationDisabled $false) or the organisation, or the "
                           "app lacks SMTP.SendAsApp with admin consent, the service principal is not registered "
                           "(New-ServicePrincipal), or it lacks Send As (Add-RecipientPermission -AccessRights SendAs)",
    ("google", "imap"): "the token was refused by Gmail IMAP: the token lacks the scope https://mail.google.com/, "
                        "the user named is not the one the token was issued for, or IMAP is off for the user "
                        "(Admin console > Apps > Google Workspace > Gmail > End User Access)",
    ("google", "smtp"): "the token was refused by Gmail SMTP: the token lacks the scope https://mail.google.com/, "
                        "or the user named is not the one the token was issued for",
}


def describe_login_refusal(provider: str, server_text: str, *, protocol: str = "") -> str:
    """Plain words for an IMAP or SMTP server refusing an XOAUTH2 login after a token was obtained.

    `server_text` is the server's reply (e.g. "AUTHENTICATE failed.", "535 5.7.3 Authentication
    unsuccessful"); `protocol` is "imap" or "smtp", guessed from the reply when not given.
    """
    text = server_text.lower()
    protocol = protocol or ("smtp" if text[:3].isdigit() or "5.7." in text else "imap")
    if provider == "microsoft" and "5.7.139" in text:
        words = ("Exchange Online refused SMTP AUTH: it is off for the organisation or the mailbox, or Security "
                 "defaults block it; turn it on for this mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled "
                 "$false)")
    else:
        words = LOGIN_REFUSALS.get((provider, protocol))
    if words is None:
        words = ("the token was refused: check that the token command gives a token for this user with the IMAP "
                 "and SMTP scopes of the mail provider")
    return f"{words} (the server said: {first_line(server_text)})"
