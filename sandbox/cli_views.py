"""Readable text for the CLI's answers; ``--json`` prints the raw answer instead.

Kept apart from ``sandbox.cli`` so the commands read as "call, then show", and
so a change of wording never touches how the control surface is called.
"""

from __future__ import annotations

from typing import Any


def show_fields(mapping: dict[str, Any]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in mapping.items())


def show_grants(result: Any) -> str:
    rows = []
    for g in result["grants"]:
        who = g["principalUserPrincipalName"] or "everyone (AllPrincipals)"
        author = g.get("grantedBy", "sandbox")
        by = "" if author == "sandbox" else f" (written by {author})"
        rows.append(
            f"{g['clientDisplayName']} -> {g['resourceDisplayName']} for {who}: {g['scope']}{by}"
        )
    return "\n".join(rows) or "no grants"


def show_state(result: Any) -> str:
    settings = result["settings"]
    out = [
        f"tenant {result['tenantId']} ({result['displayName']}) at {result['now']}",
        f"user consent: {settings['user_consent']}; requests enabled: "
        f"{settings['requests_enabled']}; lifetime {settings['request_duration_days']} days; "
        f"risky step-up: {'on' if settings['risky_step_up'] else 'off'}",
        f"{result['servicePrincipals']} service principals, {result['grants']} grants, "
        f"{result['graphCalls']} Graph calls",
    ]
    for request in result["requests"]:
        state = "PENDING" if request["pending"] else "closed"
        out.append(
            f"{request['id']}  {request['app']}  [{state}]  {' '.join(request['pendingScopes'])}"
        )
        out += [
            f"    {u['status']:<10} {u['user']}: {u['reason']}" for u in request["userRequests"]
        ]
    return "\n".join(out)


def show_decision(result: Any) -> str:
    text = f"{result['decision']} by {result['reviewedBy']} for {result['appConsentRequestId']}"
    grants = "\n".join(f"  granted {g['scope']} (grant {g['id']})" for g in result["grants"])
    unresolved = result["unresolvedScopes"]
    return "\n".join(
        filter(None, [text, grants, f"  not granted: {' '.join(unresolved)}" if unresolved else ""])
    )


def yes_no(value: bool | None, absent: str = "n/a (no service principal)") -> str:
    return absent if value is None else ("yes" if value else "no")


def show_app(result: Any) -> str:
    verified = result["verified"]
    publisher = f"{result['publisher']}, " + (
        f"verified ({result['verifiedPublisherId']})" if verified else "unverified"
    )
    owner = "this tenant" if result["ownedByThisTenant"] else result["homeTenantId"]
    sp = result["servicePrincipal"]
    if result["servicePrincipalId"]:
        sp += f" ({result['servicePrincipalId']})"
    out = [
        f"{result['displayName']} ({result['appId']})",
        f"publisher: {publisher}; home tenant: {owner}",
        f"service principal: {sp}",
        f"enabled: {yes_no(result['enabled'])}",
        f"assignment required: {yes_no(result['assignmentRequired'])}",
        f"assigned users: {', '.join(result['assignedUsers']) or 'none'}",
        f"assigned groups: {', '.join(result['assignedGroups']) or 'none'}",
        f"asks for: {' '.join(result['requiredScopes']) or 'nothing'}",
        f"granted to everyone: {' '.join(result['tenantWideGrantedScopes']) or 'nothing'}",
    ]
    out += [f"granted to {upn}: {' '.join(s)}" for upn, s in result["userGrants"].items()]
    return "\n".join(out)


def show_admin_consent(result: Any) -> str:
    out = [f"admin consent for {result['displayName']} ({result['appId']})"]
    out += [f"  granted {g['scope']} (grant {g['id']})" for g in result["grants"]]
    if result["unresolvedScopes"]:
        out.append(f"  not granted (no API defines them): {' '.join(result['unresolvedScopes'])}")
    return "\n".join(out)


def show_classification(result: Any) -> str:
    state = "classified low" if result["low"] else "no longer classified low"
    return (
        f"{result['scope']} on {result['resource']}: {state}\n"
        f"low scopes of {result['resource']}: {' '.join(result['lowScopes']) or 'none'}"
    )


def show_sign_in(result: Any) -> str:
    code = f" ({result['aadsts']})" if result["aadsts"] else ""
    out = [
        f"{result['user']} signing in to {result['appDisplayName']} ({result['appId']})",
        f"outcome: {result['outcome']}{code}",
        f"reasons: {', '.join(result['reasons']) or 'none'}",
        f"scopes: {' '.join(result['scopes']) or 'none'}",
    ]
    if result["ungrantedScopes"]:
        out.append(f"not yet granted: {' '.join(result['ungrantedScopes'])}")
    if result["errorText"]:
        out += ["", "What the user sees (and may paste to the bot):", result["errorText"], ""]
    out.append(f"consent URL: {result['consentUrl']}")
    out.append(f"sign-in log entry: {result['signInId']}")
    if result["outcome"] == "approval_required":
        out.append(
            "The user may submit the request form with: python -m sandbox request "
            f'--app "{result["appDisplayName"]}" --user {result["user"]} --reason "..."'
        )
    elif result["outcome"] == "request_pending":
        out.append(
            f"Request {result['appConsentRequestId']} is pending; decide it with: "
            f"python -m sandbox complete {result['appConsentRequestId']} [--deny]"
        )
    return "\n".join(out)


def show_sign_in_log(result: Any) -> str:
    settings = result["settings"]
    licence = "P1/P2" if settings["premium_licence"] else "none (Graph answers 403)"
    out = [
        f"lag: {settings['lag_seconds']} s (+0..{settings['jitter_seconds']} s), licence: "
        f"{licence}, kept {settings['retention_days']} days, now {result['now']}"
    ]
    if "cleared" in result:
        out.append(f"cleared {result['cleared']} entries")
    for entry in result["entries"]:
        shown = {"pending": f"hidden until {entry['visibleDateTime']}"}.get(
            entry["logState"], entry["logState"]
        )
        out.append(
            f"{entry['createdDateTime']}  {entry['status']['errorCode']:>7}  "
            f"{entry['userPrincipalName']}  {entry['appDisplayName']}  {entry['id']}  ({shown})"
        )
    if not result["entries"]:
        out.append("no entries")
    return "\n".join(out)
