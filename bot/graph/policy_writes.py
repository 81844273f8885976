"""The one write to the admin consent request workflow: ``PUT /policies/adminConsentRequestPolicy``.

Graph updates this policy with PUT only; the SDK's generated PATCH fails
(graph-contract section 3), so the body goes out as plain JSON over aiohttp
with the same bearer tokens as every other call. Throttling is honoured the
way ``bot.graph.json_reads`` honours it: 429/503/504 are retried after
``Retry-After`` (bounded), then reported. Any other refusal carries Graph's
own message, so an admin reads what Entra objected to.
"""

from __future__ import annotations

from typing import Any

from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph

REQUEST_POLICY_PATH = "/policies/adminConsentRequestPolicy"


class PolicyWriteError(RuntimeError):
    """Graph refused the policy, or kept throttling past the retries."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Graph answered {status}: {message}")
        self.status = status
        self.graph_message = message


class PolicyWrites:
    """PUTs the admin consent request policy, through the plain-JSON Graph client."""

    def __init__(self, graph: GraphJson) -> None:
        self._graph = graph

    async def replace_request_policy(self, body: dict[str, Any]) -> None:
        """Replace the whole policy with ``body`` (Graph answers 204 No Content)."""
        try:
            await self._graph.put(REQUEST_POLICY_PATH, body)
        except NotInGraph as missing:
            raise PolicyWriteError(404, "the policy was not found") from missing
        except GraphReadError as error:
            raise PolicyWriteError(error.status, error.graph_message) from error
