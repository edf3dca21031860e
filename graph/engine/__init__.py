"""The GraphQL execution engine: a faster executor and caches around strawberry's own.

Everything here answers exactly as plain strawberry-django does (tests/graph/
test_differential.py compares both); `GRAPH_ENGINE=0` builds the schema without it.
"""
