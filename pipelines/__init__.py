"""lianzheng pipelines: source records → domain model → tables and graph → checks → release."""

__version__ = "0.1.0"
