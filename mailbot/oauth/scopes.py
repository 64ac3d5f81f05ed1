"""The scopes mailbot asks each provider for (light: the token cache keys on them without loading the providers)."""

MICROSOFT_APP = ("https://outlook.office365.com/.default",)
# msal adds offline_access (and openid, profile) itself, and refuses to be given them.
MICROSOFT_DELEGATED = ("https://outlook.office365.com/IMAP.AccessAsUser.All",
                       "https://outlook.office365.com/SMTP.Send")
GOOGLE = "https://mail.google.com/"          # the only scope Gmail accepts for IMAP and SMTP
