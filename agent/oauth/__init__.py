"""OAuth2 sign-in for IMAP and SMTP (XOAUTH2 / OAUTHBEARER): presets, sign-in flows, stored tokens.

Nothing is imported here, so reading the config (which needs only agent.oauth.settings) does not
load the HTTP and OAuth libraries.
"""
