"""The Teams hosting side: sending to Teams, the requesters' chats, and the reviewers' sign-in."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph.wiring import GraphSide
from bot.hosting.agents_connection import connector_token_source
from bot.hosting.connector import TeamsConnector
from bot.hosting.delivery import DeliveryWorker
from bot.hosting.requester_chats import RequesterChats
from bot.hosting.reviewer_sign_in import ReviewerSignIn, ReviewerTokens
from bot.hosting.signed_activities import TokenVerifier
from bot.hosting.user_chats import UserChats
from bot.hosting.user_sign_in_service import UserSignInService
from bot.infra.app_tokens import AppTokens
from bot.infra.clock import Clock
from config.settings import ApprovalMode, Settings


@dataclass(frozen=True, slots=True)
class HostingSide:
    requester_chats: RequesterChats
    delivery: DeliveryWorker
    sign_in: ReviewerSignIn | None
    """Delegated mode only: the reviewer's sign-in, and the tokens it holds."""
    user_chats: UserChats


def wire_hosting(
    stack: AsyncExitStack,
    settings: Settings,
    tokens: AppTokens | None,
    graph: GraphSide,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    bot_id: str,
    tenant_id: str,
) -> HostingSide:
    connector = TeamsConnector(
        bot_id=bot_id,
        bot_name=settings.bot_name,
        token_source=connector_token_source(settings, tokens),
    )
    stack.push_async_callback(connector.close)
    requester_chats = RequesterChats(
        graph.chats, sessions, service_url=settings.teams_service_url, tenant_id=tenant_id or None
    )
    delivery = DeliveryWorker(
        sessions,
        connector,
        clock,
        interval_seconds=settings.delivery_interval_seconds,
        open_chat=requester_chats,
    )
    return HostingSide(
        requester_chats,
        delivery,
        _reviewer_sign_in(stack, settings, tokens, graph.url),
        UserChats(sessions, clock),
    )


def _reviewer_sign_in(
    stack: AsyncExitStack, settings: Settings, tokens: AppTokens | None, graph_url: str
) -> ReviewerSignIn | None:
    """Delegated mode: reviewers sign in (SSO, or the OAuth connection's sign-in page)."""
    if settings.approval_mode is not ApprovalMode.DELEGATED or tokens is None:
        return None
    assert settings.client_id
    sso_audience = f"api://botid-{settings.client_id}"
    verifier = TokenVerifier(
        audiences=[settings.client_id, sso_audience],
        bot_framework_metadata_url=None,
        entra_metadata_urls=settings.entra_openid_metadata_urls,
    )
    stack.push_async_callback(verifier.close)
    token_service = UserSignInService(
        endpoint=settings.effective_bot_token_service_url,
        resource=settings.cloud_profile.bot_connector_resource,
        app_id=settings.client_id,
        app_tokens=tokens,
    )
    stack.push_async_callback(token_service.close)
    return ReviewerSignIn(
        app_id=settings.client_id,
        connection_name=settings.oauth_connection_name,
        graph_url=graph_url,
        verifier=verifier,
        app_tokens=tokens,
        held=ReviewerTokens(),
        token_service=token_service,
    )
