"""The properties the bot reads that Graph's published v1.0 metadata does not declare.

Graph returns some properties of open types (``OpenType="true"``) when they are
selected although the v1.0 metadata does not list them. Relying on one is a
risk Microsoft does not promise to carry, so each is named here, in the README,
and nowhere else: the test suite fails when the sandbox sees the bot select an
undeclared property that is not on this list.
"""

from __future__ import annotations

UNDOCUMENTED_PROPERTIES: frozenset[tuple[str, str]] = frozenset(
    {
        # The publisher's display name as the app's registration states it; v1.0 declares
        # only verifiedPublisher. Shown on review cards when no verified publisher exists.
        ("microsoft.graph.servicePrincipal", "publisherName"),
    }
)
