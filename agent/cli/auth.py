"""`rebound auth`: sign in to the mail provider with OAuth2, keep the tokens, and check that IMAP takes them."""

from __future__ import annotations

import click

from agent.cli import main, reports_errors, settings_of
from agent.errors import ConfigError


@main.command(name="auth")
@click.option(
    "--flow",
    type=click.Choice(["device", "code"]),
    default=None,
    help="device: enter a code on any device (default where the provider has a device endpoint). "
    "code: sign in in a browser on this machine (the default for Google, whose device flow refuses mail scopes).",
)
@click.option("--no-browser", is_flag=True, help="Code flow: print the sign-in URL instead of opening a browser.")
@click.pass_context
@reports_errors
def auth_(ctx: click.Context, flow: str | None, no_browser: bool) -> None:
    """Sign in to your mail provider ([imap] auth = "oauth2") and save the tokens."""
    from agent.mailbox import ImapMailbox
    from agent.oauth.account import bearer_tokens, oauth_client, token_store
    from agent.oauth.signin import code_sign_in, device_sign_in

    settings = settings_of(ctx)
    if settings.imap.auth != "oauth2":
        raise ConfigError('[imap] auth: `rebound auth` signs in with OAuth2; set auth = "oauth2" and an [imap.oauth2] table first')
    client = oauth_client(settings)
    ends = client.endpoints
    chosen = flow or ("device" if ends.device_authorization_url else "code")
    if chosen == "device" and not ends.device_authorization_url:
        raise ConfigError("[imap.oauth2] device_authorization_url: this provider has no device sign-in; use --flow code")
    if chosen == "code" and not ends.authorization_url:
        raise ConfigError("[imap.oauth2] authorization_url: this provider has no browser sign-in; use --flow device")

    click.echo(f"Signing in {settings.imap.username} ({settings.imap.oauth2.provider if settings.imap.oauth2 else ''}, {chosen} flow).")
    if chosen == "device":
        grant = device_sign_in(client, click.echo)
    else:
        grant = code_sign_in(client, click.echo, login_hint=settings.imap.username, open_browser=not no_browser)
    if not grant.refresh_token:
        click.echo(
            "warning: the provider gave no refresh token, so you will have to run `rebound auth` again within the hour "
            "(Microsoft: include offline_access in the scopes; Google: access_type=offline)",
            err=True,
        )
    where = token_store(settings).save(grant)
    click.echo(f"Signed in. Tokens saved in {where}.")

    mailbox = ImapMailbox(settings.imap, bearer_tokens(settings))
    mailbox.close()
    click.echo(f"Checked: {settings.imap.host} accepts the sign-in for {settings.imap.username}.")
