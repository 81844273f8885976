"""The tenant's in-memory state, one module per part of the directory.

Each module holds plain entities and a small store with the rules Entra
enforces for that part; ``sandbox.tenant`` composes them.
"""
