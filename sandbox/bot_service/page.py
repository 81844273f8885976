"""The token service's sign-in page and the magic-code page after it.

The real service sends the user to Entra and lands on a page that shows a
code (or hands it to Teams, which sends it to the bot). Here the tenant has
no passwords: the page asks who is signing in, from the tenant's users.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "code{font-size:2rem;letter-spacing:.3rem}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def sign_in_form(link_id: str, connection_name: str, users: Iterable[str]) -> str:
    options = "".join(f"<option value='{escape(upn)}'>" for upn in users)
    return _page(
        "Sign in",
        f"<p>Sign in to continue with <strong>{escape(connection_name)}</strong>.</p>"
        "<form method='post' action='/api/oauth/signin'>"
        f"<input type='hidden' name='signin' value='{escape(link_id)}'>"
        "<label>Account <input name='user' list='users' autocomplete='username' required>"
        f"</label><datalist id='users'>{options}</datalist> "
        "<button type='submit'>Sign in</button></form>",
    )


def magic_code(code: str) -> str:
    return _page(
        "You are signed in",
        "<p>If Teams does not continue by itself, type this code in the conversation:</p>"
        f"<p><code id='magic-code'>{escape(code)}</code></p>",
    )


def refused(message: str) -> str:
    return _page("Sign-in failed", f"<p id='error'>{escape(message)}</p>")
