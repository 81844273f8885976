"""The Microsoft Graph subset the bot uses, served from the sandbox tenant.

Handlers are plain functions of a ``GraphRequest`` and the tenant, so the same
code answers direct HTTP calls and the requests inside a ``$batch``; only
``sandbox.graph_routes`` knows about aiohttp.
"""
