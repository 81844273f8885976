"""A local Microsoft identity platform (Entra's token endpoint) for the sandbox tenant.

The bot talks to it with MSAL exactly as it would to login.microsoftonline.com:
OpenID discovery, client credentials, on-behalf-of and the App Service managed
identity endpoint. Sandbox Graph verifies the tokens it issues, so permission
and role mistakes show up locally instead of in a customer's tenant.
"""

from sandbox.identity.platform import IdentityPlatform

__all__ = ["IdentityPlatform"]
