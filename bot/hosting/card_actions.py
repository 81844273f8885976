"""Where each side registers the card buttons it answers, and the proof that none is missing.

Every ``Action.Execute`` verb a card can send is declared once, in
``cards.verbs``. Each side registers its handlers here (``on``); when the
application is built, ``check_complete`` refuses to start if a declared verb
has no handler or a handler answers a verb nobody declared, so a button can
never reach the "unknown action" answer by mistake.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

CardHandler = Callable[[TurnContext, TurnState, Any], Awaitable[Any]]


class CardActions:
    """The card buttons of one application, registered side by side."""

    def __init__(self, app: AgentApplication[TurnState]) -> None:
        self._app = app
        self._verbs: set[str] = set()

    def on(self, verb: str) -> Callable[[CardHandler], CardHandler]:
        """Register the handler of ``verb``; a verb has one handler."""
        if verb in self._verbs:
            raise ValueError(f"the card verb {verb!r} already has a handler")
        self._verbs.add(verb)
        register: Callable[[CardHandler], CardHandler] = self._app.adaptive_card.action_execute(
            verb
        )
        return register

    def check_complete(self, declared: frozenset[str]) -> None:
        """Every declared verb has a handler, and no handler answers an undeclared one."""
        missing, extra = declared - self._verbs, self._verbs - declared
        if missing or extra:
            raise RuntimeError(
                f"card verbs without a handler: {sorted(missing)}; "
                f"handlers of undeclared verbs: {sorted(extra)}"
            )
