"""A local Bot Framework token service: the OAuth connections of the bot's Azure Bot resource.

When Teams cannot sign a reviewer in silently (SSO), the bot shows a sign-in
button whose link comes from the token service; the reviewer signs in on the
service's page, which hands out a magic code; Teams sends the click again with
that code, and the bot redeems it for the reviewer's token. This package plays
the service's part against the sandbox tenant's identity platform, so the
whole loop runs locally over real HTTP.
"""

from sandbox.bot_service.token_service import TokenService

__all__ = ["TokenService"]
