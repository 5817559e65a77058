"""OAuth2 pieces one by one: settings and presets, the device-flow poll, the token store, refresh and rotation.

Token requests go to the real local OAuth 2.0 server (tests/oauth_server.py) over HTTP; only the
clock of the device-flow poll and the keyring backends are stand-ins.
"""

from __future__ import annotations

import base64
import re
import socket
import stat
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import pytest
from oauth_server import OAuthServer, running_oauth_server

from agent.config import load_settings
from agent.errors import AuthError, ConfigError, MailboxError, SignInRequired
from agent.oauth.bearer import BearerTokens, SaslResponder, oauthbearer, xoauth2
from agent.oauth.client import DeviceCode, OAuthClient
from agent.oauth.providers import Endpoints, endpoints
from agent.oauth.settings import OAuth2Settings
from agent.oauth.signin import code_sign_in, device_sign_in
from agent.oauth.store import Grant, TokenStore

USER = "alex@example.com"


def _config(tmp_path: Path, imap_extra: str = "", oauth2: str = "", smtp: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[imap]\nhost = "outlook.office365.com"\nusername = "{USER}"\n{imap_extra}\n'
        f'[profile]\nname = "Alex"\nemail = "{USER}"\n'
        + (f"[imap.oauth2]\n{oauth2}\n" if oauth2 else "")
        + (f"[smtp]\n{smtp}\n" if smtp else "")
    )
    return path


# --- settings and presets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("imap_extra", "oauth2", "smtp", "names"),
    [
        ('auth = "oauth2"', "", "", "[imap] auth"),
        ('auth = "oauth2"\npassword_env = "X"', 'provider = "microsoft"\nclient_id = "id"', "", "[imap] auth"),
        ("", 'provider = "microsoft"\nclient_id = "id"', "", "[imap] auth"),
        ('auth = "oauth2"', 'provider = "custom"\nclient_id = "id"\nscopes = ["a"]', "", "[imap.oauth2] token_url"),
        ('auth = "oauth2"', 'provider = "custom"\nclient_id = "id"\ntoken_url = "https://t/x"\nscopes = ["a"]', "", "[imap.oauth2] authorization_url"),
        ('auth = "oauth2"', 'provider = "custom"\nclient_id = "id"\ntoken_url = "http://example.com/t"\nauthorization_url = "https://a"\nscopes = ["a"]', "", "[imap.oauth2] token_url"),
        ('auth = "oauth2"', 'provider = "google"\nclient_id = "id"\ntenant = "x"', "", "[imap.oauth2] tenant"),
        ('auth = "oauth2"', 'provider = "microsoft"\nclient_id = "id"\nscope = ["a"]', "", "[imap.oauth2] scope"),
        ('auth = "oauth2"', 'provider = "microsoft"\nclient_id = "id"\nredirect_uri = "https://example.com/cb"', "", "[imap.oauth2] redirect_uri"),
        ('password = "p"', "", 'host = "smtp.example.com"\nauth = "oauth2"', "[smtp] auth"),
    ],
)
def test_a_bad_oauth2_config_names_the_key(tmp_path: Path, imap_extra: str, oauth2: str, smtp: str, names: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_config(tmp_path, imap_extra, oauth2, smtp))
    assert names in str(caught.value), str(caught.value)


def test_the_presets_are_nothing_but_filled_in_values() -> None:
    ms = endpoints(OAuth2Settings(provider="microsoft", client_id="id", tenant="contoso.onmicrosoft.com"))
    assert ms.device_authorization_url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"
    assert ms.token_url.endswith("/contoso.onmicrosoft.com/oauth2/v2.0/token")
    assert "offline_access" in ms.scopes and "https://outlook.office.com/IMAP.AccessAsUser.All" in ms.scopes
    assert endpoints(OAuth2Settings(provider="microsoft", client_id="id")).token_url.startswith("https://login.microsoftonline.com/common/")

    google = endpoints(OAuth2Settings(provider="google", client_id="id"))
    assert google.device_authorization_url is None, "Google's device flow refuses mail scopes"
    assert google.scopes == ("https://mail.google.com/",)
    assert google.authorization_params == {"access_type": "offline", "prompt": "consent"}

    # The same values typed by hand give the same endpoints: one code path for all three.
    custom = endpoints(
        OAuth2Settings(
            provider="custom",
            client_id="id",
            authorization_url=google.authorization_url,
            token_url=google.token_url,
            scopes=google.scopes,
            authorization_params=google.authorization_params,
            redirect_uri=google.redirect_uri,
        )
    )
    assert custom == google


def test_a_valid_oauth2_config_loads(tmp_path: Path) -> None:
    settings = load_settings(
        _config(tmp_path, 'auth = "oauth2"', 'provider = "microsoft"\nclient_id = "id"', 'host = "smtp.office365.com"\nsecurity = "starttls"\nauth = "oauth2"')
    )
    assert settings.imap.oauth2 is not None and settings.imap.oauth2.provider == "microsoft"
    assert settings.smtp is not None and settings.smtp.auth == "oauth2"


# --- the device flow's poll --------------------------------------------------------------------


@pytest.fixture
def oauth() -> Iterator[OAuthServer]:
    with running_oauth_server(USER) as server:
        yield server


def _client(server: OAuthServer, secret: str | None = None) -> OAuthClient:
    ends = Endpoints(
        authorization_url=server.endpoints["authorization_url"],
        device_authorization_url=server.endpoints["device_authorization_url"],
        token_url=server.endpoints["token_url"],
        scopes=("imap", "offline_access"),
    )
    return OAuthClient(ends, server.client_id, secret)


class _User:
    """Plays the clock (each sleep is recorded, none is slept) and the user, who approves after `after` polls."""

    def __init__(self, server: OAuthServer, after: int, decision: str = "approve") -> None:
        self.server, self.after, self.decision = server, after, decision
        self.lines: list[str] = []
        self.sleeps: list[float] = []
        self.now = 0.0

    def show(self, line: str) -> None:
        self.lines.append(line)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if len(self.sleeps) == self.after:
            code = re.search(r"enter the code (\S+)", "\n".join(self.lines))
            assert code, self.lines
            if self.decision == "approve":
                self.server.approve(code.group(1))
            else:
                self.server.device_script.append(self.decision)

    def clock(self) -> float:
        return self.now


def test_the_device_flow_waits_interval_and_five_more_seconds_after_slow_down(oauth: OAuthServer) -> None:
    oauth.interval = 2
    oauth.device_script[:] = ["authorization_pending", "slow_down", "authorization_pending"]
    user = _User(oauth, after=3)
    grant = device_sign_in(_client(oauth), user.show, sleep=user.sleep, clock=user.clock)
    assert user.sleeps == [2, 2, 7, 7]
    assert grant.access_token in oauth.secrets and grant.refresh_token in oauth.secrets
    assert any(oauth.base + "/device" in line for line in user.lines)


@pytest.mark.parametrize(("decision", "says"), [("access_denied", "declined"), ("expired_token", "expired")])
def test_the_device_flow_ends_with_one_clear_line(oauth: OAuthServer, decision: str, says: str) -> None:
    user = _User(oauth, after=1, decision=decision)
    with pytest.raises(AuthError, match=says):
        device_sign_in(_client(oauth), user.show, sleep=user.sleep, clock=user.clock)


def test_the_device_flow_gives_up_when_the_code_expires(oauth: OAuthServer) -> None:
    oauth.interval = 30
    user = _User(oauth, after=10_000)  # the user never comes
    with pytest.raises(AuthError, match="expired"):
        device_sign_in(_client(oauth), user.show, sleep=user.sleep, clock=user.clock)
    assert user.now >= 600


def test_a_confidential_client_sends_its_secret_and_a_wrong_one_is_refused(oauth: OAuthServer) -> None:
    oauth.client_secret = "s3cret"
    user = _User(oauth, after=1)
    assert device_sign_in(_client(oauth, "s3cret"), user.show, sleep=user.sleep, clock=user.clock).access_token
    user = _User(oauth, after=1)
    with pytest.raises(AuthError, match="invalid_client"):
        device_sign_in(_client(oauth, "wrong"), user.show, sleep=user.sleep, clock=user.clock)


def test_an_unreachable_token_endpoint_is_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    ends = Endpoints(None, f"http://127.0.0.1:{port}/device", f"http://127.0.0.1:{port}/token", ("imap",))
    with pytest.raises(MailboxError, match=r"ask for a sign-in code at http://127\.0\.0\.1:\d+/device: ConnectionError") as caught:
        OAuthClient(ends, "id").start_device()
    assert "\n" not in str(caught.value)


# --- the code flow's answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "says"),
    [("error=access_denied&error_description=The+user+said+no", "refused (access_denied: The user said no)"), ("code=abc", "state mismatch")],
)
def test_a_refused_or_foreign_browser_answer_is_one_clear_line(oauth: OAuthServer, answer: str, says: str) -> None:
    """The browser comes back without a code, or with another sign-in's state: no token request is made."""
    lines: list[str] = []

    def show(line: str) -> None:
        lines.append(line)
        if line.startswith("http://") and "/authorize?" in line:
            state = re.search(r"[?&]state=([^&]+)", line)
            assert state
            redirect = re.search(r"[?&]redirect_uri=([^&]+)", line)
            assert redirect
            target = urllib.parse.unquote(redirect.group(1))
            suffix = f"&state={state.group(1)}" if answer.startswith("error") else "&state=not-this-one"
            threading.Thread(target=lambda: urllib.request.urlopen(f"{target}?{answer}{suffix}", timeout=10).read(), daemon=True).start()

    with pytest.raises(AuthError, match=re.escape(says)):
        code_sign_in(_client(oauth), show, login_hint=USER, open_browser=False, timeout=30)
    assert oauth.count("token:authorization_code") == 0


# --- the token store -----------------------------------------------------------------------------


def _grant(access: str = "at-1", refresh: str | None = "rt-1", expires_in: float = 3600) -> Grant:
    return Grant(access, refresh, time.time() + expires_in, "rebound-test-client", "http://127.0.0.1/token")


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class _LockedKeyring(_MemoryKeyring):
    """A keyring that reads but will not store (a locked collection, a D-Bus error)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class _BrokenKeyring(_MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise OSError("org.freedesktop.DBus.Error.ServiceUnknown")  # not a keyring error: seen from Secret Service


@pytest.fixture
def use_keyring() -> Iterator[Any]:
    before = keyring.get_keyring()

    def use(backend: Any) -> Any:
        keyring.set_keyring(backend)
        return backend

    yield use
    keyring.set_keyring(before)


def test_without_a_keyring_tokens_go_to_a_file_only_the_owner_can_read(tmp_path: Path, use_keyring: Any) -> None:
    from keyring.backends import fail, null

    for backend in (fail.Keyring(), null.Keyring()):  # null would take a secret and drop it
        use_keyring(backend)
        store = TokenStore(f"{uuid.uuid4()}@host", tmp_path)
        where = store.save(_grant())
        assert where == str(tmp_path / "rebound-tokens.json")
        assert stat.S_IMODE((tmp_path / "rebound-tokens.json").stat().st_mode) == 0o600
        loaded = store.load()
        assert loaded is not None and loaded.access_token == "at-1" and loaded.saved_at > 0


def test_a_working_keyring_holds_the_tokens_and_the_file_none(tmp_path: Path, use_keyring: Any) -> None:
    ring = use_keyring(_MemoryKeyring())
    store = TokenStore("alex@imap.example.com", tmp_path)
    assert "keyring" in store.save(_grant())
    assert not (tmp_path / "rebound-tokens.json").exists()
    assert ("rebound", "alex@imap.example.com") in ring.items
    loaded = store.load()
    assert loaded is not None and loaded.refresh_token == "rt-1"


@pytest.mark.parametrize("backend", [_LockedKeyring, _BrokenKeyring])
def test_a_keyring_that_cannot_store_falls_back_to_the_file_and_the_newest_copy_wins(
    tmp_path: Path, use_keyring: Any, backend: type[_MemoryKeyring]
) -> None:
    ring = use_keyring(backend())
    store = TokenStore("alex@imap.example.com", tmp_path)
    ring.items[("rebound", "alex@imap.example.com")] = '{"access_token": "old", "refresh_token": "rt-old", "expires_at": 1, ' \
        '"client_id": "rebound-test-client", "token_url": "http://127.0.0.1/token", "saved_at": 1}'  # fmt: skip
    assert store.save(_grant("at-new", "rt-new")) == str(tmp_path / "rebound-tokens.json")
    loaded = store.load()
    assert loaded is not None and (loaded.access_token, loaded.refresh_token) == ("at-new", "rt-new")


def test_a_grant_never_shows_its_tokens() -> None:
    grant = _grant("at-visible?", "rt-visible?")
    assert "visible" not in repr(grant) and "visible" not in str(grant)
    assert "dc-secret" not in repr(DeviceCode("dc-secret", "1234", "https://x", None, 600, 5))


# --- refresh and rotation -------------------------------------------------------------------------


def _signed_in(oauth: OAuthServer, tmp_path: Path, **server_options: Any) -> tuple[BearerTokens, Grant]:
    for key, value in server_options.items():
        setattr(oauth, key, value)
    user = _User(oauth, after=1)
    client = _client(oauth)
    grant = device_sign_in(client, user.show, sleep=user.sleep, clock=user.clock)
    store = TokenStore(USER, tmp_path, use_keyring=False)
    store.save(grant)
    return BearerTokens(client, store, USER), grant


def test_a_token_expiring_soon_is_refreshed_and_the_rotated_refresh_token_saved_at_once(oauth: OAuthServer, tmp_path: Path) -> None:
    tokens, first = _signed_in(oauth, tmp_path, access_lifetime=60)
    token = tokens.access_token()
    assert token != first.access_token
    saved = tokens.store.load()
    assert saved is not None and saved.access_token == token and saved.refresh_token != first.refresh_token
    assert oauth.live_refresh_tokens() == [saved.refresh_token]


def test_a_fresh_token_is_used_as_it_is(oauth: OAuthServer, tmp_path: Path) -> None:
    tokens, first = _signed_in(oauth, tmp_path)
    assert tokens.access_token() == first.access_token
    assert oauth.count("token:refresh_token") == 0


def test_a_refused_token_is_refreshed_once_not_again_when_another_process_already_did(oauth: OAuthServer, tmp_path: Path) -> None:
    tokens, first = _signed_in(oauth, tmp_path)
    second = tokens.refreshed_token(first.access_token)
    assert second != first.access_token and oauth.count("token:refresh_token", ok=True) == 1
    # A second process that was refused the first token finds the second one already saved.
    other = BearerTokens(tokens.client, TokenStore(USER, tmp_path, use_keyring=False), USER)
    assert other.refreshed_token(first.access_token) == second
    assert oauth.count("token:refresh_token") == 1


def test_a_revoked_refresh_token_asks_for_rebound_auth(oauth: OAuthServer, tmp_path: Path) -> None:
    tokens, first = _signed_in(oauth, tmp_path)
    oauth.revoke_refresh_tokens()
    with pytest.raises(SignInRequired, match="run `rebound auth`") as caught:
        tokens.refreshed_token(first.access_token)
    assert first.refresh_token not in str(caught.value) and first.access_token not in str(caught.value)


def test_not_signed_in_or_signed_in_with_another_app_asks_for_rebound_auth(oauth: OAuthServer, tmp_path: Path) -> None:
    client = _client(oauth)
    with pytest.raises(SignInRequired, match="not signed in yet"):
        BearerTokens(client, TokenStore(USER, tmp_path, use_keyring=False), USER).access_token()
    tokens, _ = _signed_in(oauth, tmp_path)
    other_app = OAuthClient(client.endpoints, "another-client-id")
    with pytest.raises(SignInRequired, match="another app registration"):
        BearerTokens(other_app, tokens.store, USER).access_token()


# --- SASL -----------------------------------------------------------------------------------------


def test_sasl_initial_responses() -> None:
    assert xoauth2("a@b.c", "tok") == "user=a@b.c\x01auth=Bearer tok\x01\x01"
    # RFC 7628 §3.1, with RFC 5801's escapes in the authzid.
    assert oauthbearer("a,b=c@d", "tok", "imap.example.com", 993) == "n,a=a=2Cb=3Dc@d,\x01host=imap.example.com\x01port=993\x01auth=Bearer tok\x01\x01"
    assert base64.b64encode(xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg").encode()).startswith(b"dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRo")


@pytest.mark.parametrize(("mechanism", "closing"), [("XOAUTH2", ""), ("OAUTHBEARER", "\x01")])
def test_the_responder_never_sends_the_token_twice(mechanism: str, closing: str) -> None:
    responder = SaslResponder(mechanism, "initial")
    assert responder(b"") == "initial"
    assert responder(b'{"status":"401"}') == closing
    assert "initial" not in repr(responder)
