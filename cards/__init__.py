"""Adaptive Card builders: pure functions from domain values to card JSON.

Nothing here sends, stores or calls Graph, so cards can be built and checked
anywhere, including in unit tests against the official schema. Each module
builds one family of cards; import the builders from their modules.
"""
