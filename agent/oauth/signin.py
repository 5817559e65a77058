"""`rebound auth`'s two ways to sign in: the device flow (RFC 8628) and the code flow with PKCE (RFC 7636)."""

from __future__ import annotations

import logging
import time
import webbrowser
from collections.abc import Callable

from agent.errors import AuthError, MailboxError
from agent.oauth.client import DeviceCode, OAuthClient, OAuthRefused
from agent.oauth.loopback import LoopbackRedirect
from agent.oauth.store import Grant

log = logging.getLogger(__name__)

# RFC 8628 §3.5: after slow_down, poll this much more slowly from then on.
SLOW_DOWN_SECONDS = 5
# How long the code flow waits for the browser to come back.
BROWSER_TIMEOUT = 10 * 60

Show = Callable[[str], None]


def device_sign_in(client: OAuthClient, show: Show, *, sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> Grant:  # fmt: skip
    """Print the URL and the code, then poll until the user has signed in, honouring interval and slow_down."""
    device = client.start_device()
    show(f"To sign in, open {device.verification_uri} in a browser (on any device) and enter the code {device.user_code}")
    if device.verification_uri_complete:
        show(f"(or open {device.verification_uri_complete}, which carries the code)")
    show(f"Waiting for you to sign in; the code is valid for {max(1, device.expires_in // 60)} minutes...")
    return _poll(client, device, sleep, clock)


def _poll(client: OAuthClient, device: DeviceCode, sleep: Callable[[float], None], clock: Callable[[], float]) -> Grant:
    interval = float(device.interval)
    deadline = clock() + device.expires_in
    while True:
        sleep(interval)
        if clock() > deadline:
            raise AuthError("the code expired before the sign-in was finished; run `rebound auth` again")
        try:
            return client.poll_device(device)
        except OAuthRefused as exc:
            if exc.error == "authorization_pending":
                continue
            if exc.error == "slow_down":
                interval += SLOW_DOWN_SECONDS
                log.debug("the server asked to poll more slowly: every %.0f s", interval)
                continue
            if exc.error == "expired_token":
                raise AuthError("the code expired before the sign-in was finished; run `rebound auth` again") from None
            if exc.error == "access_denied":
                raise AuthError("the sign-in was declined in the browser; run `rebound auth` to try again") from None
            raise
        except MailboxError as exc:
            # RFC 8628 §3.5: on a connection problem, back off and keep polling until the code expires.
            interval *= 2
            log.warning("%s; trying again in %.0f s", exc, interval)


def code_sign_in(client: OAuthClient, show: Show, *, login_hint: str | None, open_browser: bool,
                 timeout: float = BROWSER_TIMEOUT) -> Grant:  # fmt: skip
    """Open the provider's sign-in page (or print it) and take the code from the loopback redirect."""
    with LoopbackRedirect(client.endpoints.redirect_uri) as receiver:
        url, state, verifier = client.authorization_url(receiver.redirect_uri, login_hint)
        if open_browser and _open(url):
            show("Your browser is open at the sign-in page. If it did not open, open this URL on this machine:")
        else:
            show("Open this URL in a browser on this machine to sign in:")
        show(url)
        show(f"Waiting for the browser to come back to {receiver.redirect_uri} ...")
        answer = receiver.wait(timeout)
    if answer.get("state") != state:
        raise AuthError("the browser came back with another sign-in's answer (state mismatch); run `rebound auth` again")
    if "error" in answer:
        said = answer["error"] + (f": {answer['error_description']}" if answer.get("error_description") else "")
        raise AuthError(f"the sign-in was refused ({said})")
    return client.exchange_code(answer["code"], receiver.redirect_uri, verifier)


def _open(url: str) -> bool:
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False
