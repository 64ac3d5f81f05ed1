"""A process that asks for a delegated Microsoft token once, then dies by SIGKILL or says what it got.

    python -m tests.oauth.refresh_child PORT TOKEN_STORE TENANT CLIENT_ID kill|print

`kill`: SIGKILL itself the instant `access_token` returns (nothing after it runs).
`print`: print the SHA-256 of the token (never the token) and exit.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
from pathlib import Path

from mailbot.oauth import access_token
from mailbot.oauth.errors import TokenError
from mailbot.settings import OAuthSettings
from tests.servers.identity import LoopbackSession


def main(port: str, store: str, tenant: str, client_id: str, then: str) -> int:
    oauth = OAuthSettings(provider="microsoft", flow="delegated", tenant_id=tenant, client_id=client_id,
                          token_store=Path(store))
    try:
        token = access_token(oauth, user="complaints@contoso.test", place="child", timeout=5,
                             http=LoopbackSession(int(port)))
    except TokenError as error:
        print(f"refused {error.code}", flush=True)
        return 1
    if then == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    print(hashlib.sha256(token.encode()).hexdigest(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
