""" "Why can't I connect <app>?": from what the user typed to the exact cause and next step.

``question`` reads the text, ``matching`` finds the app meant, ``facts`` and
``analysis`` explain the situation as a pure function, ``fact_reader`` gathers
the facts from Graph and the store, and ``service`` ties them together.
"""
