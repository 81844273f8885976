"""Proactive help: the side that writes first to people Entra stopped from connecting an app.

Entra's sign-in log records every attempt consent stopped (AADSTS90094,
90095, 65001). Most people who hit "Need admin approval" never ask anyone;
reading the log lets the bot send them, once, the same answer they would
get by asking "why can't I connect?". It sits above the diagnosis (whose
answer it sends) and below the application (which routes "stop"/"start").
"""
