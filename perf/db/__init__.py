"""Database tricks: statement reuse, row building, list loading, timestamps, transactions."""
