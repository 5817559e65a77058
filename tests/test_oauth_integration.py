"""OAuth2 end to end: `rebound auth`, then `once`, `run` and the digest, against a Dovecot that takes only tokens.

Dovecot's `oauth2` passdb asks the local OAuth 2.0 server (tests/oauth_server.py) whether each
token is good, so a login succeeds only with a token that server issued and still honours: no
password logs in anywhere. The CLI runs as a user runs it, in a subprocess; the test plays the
user's part (opening the verification page, following the browser's redirect).
"""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from dovecot import DovecotFactory, DovecotServer, ImapAccount
from helpers import Rebound, make_rebound, msgid, parse, rejection, stop_daemon, summary, wait_for
from oauth_server import OAuthServer, running_oauth_server

pytestmark = pytest.mark.integration

AUTH_TIMEOUT = 60.0
FILE_ONLY = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}  # as on a server or in Docker: no keyring


@dataclass
class Setup:
    oauth: OAuthServer
    server: DovecotServer
    user: str
    rebound: Rebound

    def drafts(self) -> list[EmailMessage]:
        return [parse(raw) for flags, raw in self.server.fetch(self.user, "Drafts") if "\\Draft" in flags]

    def deliver_rejection(self) -> str:
        message_id = f"<{uuid.uuid4().hex}@fenwick-hale.example>"
        self.server.save(self.user, "INBOX", rejection(message_id))
        return message_id

    def output(self) -> str:
        """Everything the background processes wrote (stdout and stderr)."""
        return self.rebound.log


def _oauth_toml(oauth: OAuthServer, **extra: str) -> str:
    keys = {"provider": "custom", "client_id": oauth.client_id, **oauth.endpoints, **extra}
    lines = ["", "[imap.oauth2]", *(f'{k} = "{v}"' for k, v in keys.items()), 'scopes = ["imap", "smtp", "offline_access"]']
    return "\n".join(lines) + "\n"


@pytest.fixture
def setup(tmp_path: Path, dovecot_factory: DovecotFactory) -> Iterator[Setup]:
    user = f"oauth-{uuid.uuid4().hex[:8]}@example.com"
    with running_oauth_server(user) as oauth:
        server = dovecot_factory(tls=False, oauth2_introspection_url=f"{oauth.base}/introspect")
        account = ImapAccount(server=server, user=user, password="no-password-logs-in-here")
        rebound = make_rebound(
            tmp_path, account, imap={"password_env": None, "auth": "oauth2", "idle": True}, extra=_oauth_toml(oauth)
        )
        rebound.password = None
        yield Setup(oauth, server, user, rebound)


def _env(setup: Setup, **extra: str) -> dict[str, str]:
    return {**setup.rebound.env, **FILE_ONLY, **extra}


def _start_auth(setup: Setup, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    log = (setup.rebound.tmp_path / "daemon.log").open("a")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "agent", "--config", str(setup.rebound.config), "auth", *args],
            cwd=setup.rebound.tmp_path,
            env=env or _env(setup),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    finally:
        log.close()


def _finish(proc: subprocess.Popen[str], setup: Setup) -> str:
    code = proc.wait(timeout=AUTH_TIMEOUT)
    out = setup.output()
    assert code == 0, f"rebound auth exited {code}:\n{out}"
    assert "Traceback" not in out, out
    return out


def sign_in_by_device(setup: Setup, *args: str) -> str:
    """`rebound auth` by the device flow, the test acting as the user: it reads the URL and code, and approves."""
    seen = len(setup.output())
    proc = _start_auth(setup, "--flow", "device", *args)
    shown = re.compile(r"open (http://\S+) in a browser \(on any device\) and enter the code (\d{4}-\d{4})")
    found = wait_for(lambda: shown.search(setup.output()[seen:]), AUTH_TIMEOUT, "rebound auth to show a URL and a code")
    url, code = found.groups()
    with urllib.request.urlopen(f"{url}?user_code={code}", timeout=10) as page:  # the user, in a browser
        assert page.status == 200
    return _finish(proc, setup)[seen:]


def _use(setup: Setup, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "agent", "--config", str(setup.rebound.config), *args],
        cwd=setup.rebound.tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result


def once(setup: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    result = _use(setup, _env(setup), *args, "once")
    assert result.returncode == 0, f"rebound once exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def replies_to(setup: Setup, parent: str) -> list[EmailMessage]:
    return [d for d in setup.drafts() if msgid(d["In-Reply-To"]) == parent]


# --- signing in -------------------------------------------------------------------------


def test_done_when_device_sign_in_then_once_then_expiry_and_rotation(setup: Setup) -> None:
    """The issue's "Done when", step by step."""
    out = sign_in_by_device(setup)
    assert "Signed in. Tokens saved in" in out and f"accepts the sign-in for {setup.user}" in out
    token_file = setup.rebound.tmp_path / "rebound-tokens.json"
    assert token_file.stat().st_mode & 0o777 == 0o600, "tokens beside the database, readable by the owner only"

    first = setup.deliver_rejection()
    result = once(setup)
    assert summary(result.stdout)["drafts"] >= 1 and replies_to(setup, first), result.stdout + result.stderr
    assert setup.oauth.count("token:refresh_token") == 0, "a fresh token needs no refresh"

    # The hour passes: the server no longer honours the access token. The next `once` refreshes and succeeds.
    (spent,) = setup.oauth.live_refresh_tokens()
    setup.oauth.expire_access_tokens()
    second = setup.deliver_rejection()
    once(setup)
    assert replies_to(setup, second)
    assert setup.oauth.count("token:refresh_token", ok=True) == 1
    assert spent not in setup.oauth.live_refresh_tokens(), "the server rotated the refresh token"
    assert spent not in token_file.read_text(), "the rotated refresh token replaced the spent one at once"

    # From then on the rotated refresh token is the one used: the spent one would be refused (invalid_grant).
    setup.oauth.expire_access_tokens()
    third = setup.deliver_rejection()
    once(setup)
    assert replies_to(setup, third)
    assert setup.oauth.count("token:refresh_token", ok=True) == 2
    assert setup.oauth.count("token:refresh_token", ok=False) == 0, [e for e in setup.oauth.events if not e.ok]


def test_device_flow_honours_interval_and_slow_down(setup: Setup) -> None:
    setup.oauth.device_script[:] = ["authorization_pending", "slow_down"]
    sign_in_by_device(setup)
    polls = [e for e in setup.oauth.events if e.kind == "token:device"]
    assert [p.detail for p in polls[:2]] == ["authorization_pending", "slow_down"]
    assert polls[-1].ok


def test_code_flow_with_no_browser_prints_the_url_and_waits_for_the_redirect(setup: Setup) -> None:
    proc = _start_auth(setup, "--flow", "code", "--no-browser")
    url = wait_for(lambda: re.search(r"^(http://\S+/authorize\?\S+)$", setup.output(), re.M), AUTH_TIMEOUT, "the sign-in URL").group(1)
    assert "code_challenge_method=S256" in url and "code_challenge=" in url, url
    with urllib.request.urlopen(url, timeout=10) as page:  # the user's browser: approves, then follows the redirect home
        assert b"Rebound is signed in" in page.read()
    _finish(proc, setup)
    assert setup.oauth.count("token:authorization_code", ok=True) == 1
    message_id = setup.deliver_rejection()
    once(setup)
    assert replies_to(setup, message_id)


def test_code_flow_opens_the_browser(setup: Setup, tmp_path: Path) -> None:
    # A stand-in for the desktop's browser: like xdg-open it is handed the URL; it follows the redirect.
    browser = tmp_path / "browser"
    browser.write_text(f"#!{sys.executable}\nimport sys, urllib.request\nurllib.request.urlopen(sys.argv[1], timeout=10).read()\n")
    browser.chmod(0o755)
    proc = _start_auth(setup, "--flow", "code", env=_env(setup, BROWSER=str(browser)))
    out = _finish(proc, setup)
    assert "Your browser is open at the sign-in page" in out
    assert setup.oauth.count("authorize", ok=True) == 1


# --- after signing in -----------------------------------------------------------------------


def test_a_token_about_to_expire_is_refreshed_before_the_login(tmp_path: Path, dovecot_factory: DovecotFactory) -> None:
    user = f"soon-{uuid.uuid4().hex[:8]}@example.com"
    with running_oauth_server(user, access_lifetime=60) as oauth:  # inside the five minutes' leeway
        server = dovecot_factory(tls=False, oauth2_introspection_url=f"{oauth.base}/introspect")
        account = ImapAccount(server=server, user=user, password="unused")
        rebound = make_rebound(tmp_path, account, imap={"password_env": None, "auth": "oauth2"}, extra=_oauth_toml(oauth))
        rebound.password = None
        setup = Setup(oauth, server, user, rebound)
        sign_in_by_device(setup)
        before = oauth.count("introspect")
        once(setup)
        assert oauth.count("token:refresh_token", ok=True) >= 1
        assert oauth.count("introspect", ok=False) == 0, "no login was tried with the old token"
        assert oauth.count("introspect") > before


def test_a_revoked_refresh_token_says_run_rebound_auth_in_one_line(setup: Setup) -> None:
    sign_in_by_device(setup)
    setup.oauth.revoke_refresh_tokens()
    setup.oauth.expire_access_tokens()
    result = _use(setup, _env(setup), "once")
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "rebound auth" in lines[0] and "Traceback" not in result.stderr, result.stderr

    # Signing in again mends it.
    sign_in_by_device(setup)
    once(setup)


def test_under_run_a_revoked_sign_in_is_logged_once_and_waited_out(setup: Setup) -> None:
    sign_in_by_device(setup)
    setup.oauth.revoke_refresh_tokens()
    setup.oauth.expire_access_tokens()
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent", "--config", str(setup.rebound.config), "run"],
        cwd=setup.rebound.tmp_path,
        env=_env(setup),
        stdin=subprocess.DEVNULL,
        stdout=(setup.rebound.tmp_path / "run.log").open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    log = setup.rebound.tmp_path / "run.log"
    try:
        wait_for(lambda: "rebound auth" in log.read_text(), 60, "the daemon to say: run rebound auth")
        assert proc.poll() is None, f"the daemon exited:\n{log.read_text()}"
        refreshes = setup.oauth.count("token:refresh_token")
    finally:
        setup.rebound.tmp_path.joinpath("daemon.log").write_text(log.read_text())
        stop_daemon(proc, setup.rebound)
    text = log.read_text()
    assert refreshes == 1, "one try, then a wait: no loop hammering the token endpoint"
    said = [line for line in text.splitlines() if "rebound auth" in line]
    assert len(said) == 1 and "keeps trying" in said[0] and "at most every 15 minutes" in said[0], text
    assert "Traceback" not in text
    assert not [s for s in _secret_forms(setup.oauth, setup.user) if s in text], "a token in the daemon's log"


# --- no token anywhere ------------------------------------------------------------------------


def _secret_forms(oauth: OAuthServer, user: str) -> set[str]:
    """Every secret the server issued, and the SASL strings that carry them, as they would appear in a log."""
    forms = set(oauth.secrets)
    for token in oauth.secrets:
        sasl = f"user={user}\x01auth=Bearer {token}\x01\x01".encode()
        forms.add(base64.b64encode(sasl).decode())
    return forms


def test_vv_output_holds_no_token(setup: Setup) -> None:
    out = sign_in_by_device(setup, "-vv")
    setup.deliver_rejection()
    setup.oauth.expire_access_tokens()  # so this run refreshes, and retries a refused login
    result = once(setup, "-vv")
    text = out + result.stdout + result.stderr
    assert "refreshing the OAuth2 access token" in text and "DEBUG" in text, text  # -vv really was verbose
    leaked = [s for s in _secret_forms(setup.oauth, setup.user) if s in text]
    assert not leaked, f"{len(leaked)} token(s) in the output"
    assert setup.oauth.count("token:refresh_token", ok=True) == 1


# --- the digest over SMTP with the same tokens ---------------------------------------------------


@dataclass
class OAuthSmtp:
    port: int
    received: list[bytes]
    refused: list[str]


@pytest.fixture
def oauth_smtp(setup: Setup) -> Iterator[OAuthSmtp]:
    """aiosmtpd taking only XOAUTH2, each token checked with the local OAuth server, as Dovecot does."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    oauth = setup.oauth
    state = OAuthSmtp(0, [], [])

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            state.received.append(envelope.original_content or b"")
            return "250 OK"

        async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
            fields = dict(p.split("=", 1) for p in base64.b64decode(args[1]).decode().split("\x01") if "=" in p)
            token = fields.get("auth", "").removeprefix("Bearer ")
            request = urllib.request.Request(f"{oauth.base}/introspect", data=urllib.parse.urlencode({"token": token}).encode())
            with urllib.request.urlopen(request, timeout=10) as answer:
                ok = json.load(answer).get("active") is True and fields.get("user") == setup.user
            if not ok:
                # Gmail's way: a JSON challenge, which the client must answer with an empty line, then 535.
                state.refused.append(token)
                answer_line = await server.challenge_auth('{"status":"401","schemes":"bearer"}')
                assert answer_line == b"", "the client answered the error challenge with something other than an empty line"
            return AuthResult(success=ok, handled=False)

    with socket.socket() as probe:  # aiosmtpd's Controller cannot take port 0
        probe.bind(("127.0.0.1", 0))
        state.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=state.port, auth_require_tls=False)
    controller.start()
    try:
        yield state
    finally:
        controller.stop()


def test_smtp_oauth2_sends_the_digest_with_the_accounts_token(setup: Setup, oauth_smtp: OAuthSmtp) -> None:
    with setup.rebound.config.open("a") as f:
        f.write(f'\n[smtp]\nhost = "127.0.0.1"\nport = {oauth_smtp.port}\nsecurity = "none"\nauth = "oauth2"\n')
    sign_in_by_device(setup)
    setup.deliver_rejection()
    once(setup)
    result = _use(setup, _env(setup), "digest", "--send", "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(oauth_smtp.received) == 1 and not oauth_smtp.refused


def test_smtp_refreshes_once_when_its_token_is_refused(setup: Setup, oauth_smtp: OAuthSmtp) -> None:
    from agent.config import SmtpSettings, load_settings
    from agent.delivery import send_smtp
    from agent.oauth.account import oauth_client, token_folder
    from agent.oauth.bearer import BearerTokens
    from agent.oauth.store import TokenStore

    sign_in_by_device(setup)
    setup.oauth.expire_access_tokens()  # the saved token still looks good to Rebound; the server says no
    settings = load_settings(setup.rebound.config)
    store = TokenStore(settings.account, token_folder(settings), use_keyring=False)  # where `rebound auth` put them
    tokens = BearerTokens(oauth_client(settings), store, settings.imap.username)
    msg = EmailMessage()
    msg["From"] = msg["To"] = setup.user
    msg["Subject"] = "Your week"
    msg.set_content("hello")
    smtp = SmtpSettings(host="127.0.0.1", port=oauth_smtp.port, security="none", auth="oauth2")
    send_smtp(smtp, msg, setup.user, setup.user, tokens)
    assert len(oauth_smtp.refused) == 1 and len(oauth_smtp.received) == 1
    assert setup.oauth.count("token:refresh_token", ok=True) == 1


def test_oauthbearer_where_the_server_offers_nothing_else(tmp_path: Path, dovecot_factory: DovecotFactory) -> None:
    user = f"bearer-{uuid.uuid4().hex[:8]}@example.com"
    with running_oauth_server(user) as oauth:
        server = dovecot_factory(tls=False, oauth2_introspection_url=f"{oauth.base}/introspect", oauth2_mechanisms="oauthbearer")
        account = ImapAccount(server=server, user=user, password="unused")
        rebound = make_rebound(tmp_path, account, imap={"password_env": None, "auth": "oauth2"}, extra=_oauth_toml(oauth))
        rebound.password = None
        setup = Setup(oauth, server, user, rebound)
        sign_in_by_device(setup)
        message_id = setup.deliver_rejection()
        oauth.expire_access_tokens()  # and a refused OAUTHBEARER login is retried once, refreshed
        once(setup)
        assert replies_to(setup, message_id)
        assert oauth.count("token:refresh_token", ok=True) == 1
