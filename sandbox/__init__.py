"""The sandbox tenant: a local stand-in for the Entra and Microsoft Graph the bot uses.

It is a real HTTP server (``sandbox.server.start_sandbox``) seeded with a
realistic tenant (``sandbox.seed.seeded_tenant``), serving the Graph subset
under ``/v1.0`` and ``/beta`` and a control surface under ``/_sandbox`` that
plays the users, the Entra portal and the outages. See ``sandbox/README.md``.
"""
