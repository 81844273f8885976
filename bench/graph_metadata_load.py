"""How long the sandbox takes to read Graph's metadata, and how many requests it checks a second.

The sandbox parses the vendored CSDL (``sandbox/data/graph-v1.0.csdl.gz``) once
per process, at its first Graph request, and then checks every request against
it; both must stay cheap enough to go unnoticed in tests and in the diagnosis
load test. This parses the file a few times (fresh each time, not from the
process cache) and reports the fastest and median parse, then checks a mix of
the bot's own request shapes (reads with ``$select``/``$filter``/``$expand``,
writes with bodies, an action) for a fixed time and reports checks per second.
Timings are printed, never asserted. Run it with
``python -m bench.graph_metadata_load``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from sandbox.graph.contract import check
from sandbox.graph.metadata import DEFAULT_PATH, GraphMetadata

SP_ID = "6b2f1a0c-4e53-4d0b-9a38-0f3c2d1e5a77"
USER_ID = "a1d3c0f2-8b7e-4c55-9d21-3e6f4b8a9c10"
REQUESTS: list[tuple[str, str, dict[str, str], Any]] = [
    (
        "GET",
        "/identityGovernance/appConsent/appConsentRequests",
        {"$filter": "userConsentRequests/any(u:u/status eq 'InProgress')"},
        None,
    ),
    (
        "GET",
        "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')",
        {"$select": "id,appId,displayName,verifiedPublisher,publisherName,homepage,info"},
        None,
    ),
    (
        "GET",
        f"/users/{USER_ID}/transitiveMemberOf/graph.directoryRole",
        {"$select": "id,displayName,roleTemplateId"},
        None,
    ),
    ("POST", f"/users/{USER_ID}/checkMemberGroups", {}, {"groupIds": [SP_ID]}),
    (
        "GET",
        "/oauth2PermissionGrants",
        {"$filter": f"clientId eq '{SP_ID}' and consentType eq 'AllPrincipals'"},
        None,
    ),
    (
        "POST",
        "/oauth2PermissionGrants",
        {},
        {"clientId": SP_ID, "consentType": "AllPrincipals", "resourceId": SP_ID, "scope": "a b"},
    ),
    (
        "GET",
        f"/users/{USER_ID}/teamwork/installedApps",
        {"$expand": "teamsApp", "$filter": "teamsApp/externalId eq 'x'"},
        None,
    ),
    (
        "PUT",
        "/policies/adminConsentRequestPolicy",
        {},
        {
            "isEnabled": True,
            "notifyReviewers": True,
            "remindersEnabled": True,
            "requestDurationInDays": 30,
            "reviewers": [{"query": f"/users/{USER_ID}", "queryType": "MicrosoftGraph"}],
        },
    ),
]


def parse_times(repeats: int) -> list[float]:
    """Seconds for each fresh parse of the vendored file."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        GraphMetadata.load(DEFAULT_PATH)
        times.append(time.perf_counter() - started)
    return times


def checks_per_second(metadata: GraphMetadata, seconds: float) -> tuple[float, int]:
    """Checks a second over the request mix, and how many of the mix were refused."""
    refused = sum(not check(*r, metadata=metadata).ok for r in REQUESTS)  # also warms caches
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for method, path, query, body in REQUESTS:
            check(method, path, query, body, metadata=metadata)
        done += len(REQUESTS)
    return done / elapsed, refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--parses", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    times = parse_times(max(args.parses, 1))
    rate, refused = checks_per_second(GraphMetadata.load(), args.seconds)
    metadata = GraphMetadata.load()
    result = {
        "file": str(DEFAULT_PATH.name),
        "types": len(metadata.types),
        "entity_sets_and_singletons": len(metadata.sources),
        "parse_ms_min": round(min(times) * 1000, 1),
        "parse_ms_median": round(statistics.median(times) * 1000, 1),
        "checks_per_second": round(rate),
        "request_mix": len(REQUESTS),
        "refused_in_mix": refused,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
