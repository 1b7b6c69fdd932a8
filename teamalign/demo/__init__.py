"""The demo organisation: a deterministic, seeded generator of a realistic mid-size company.

See docs/demo.md for what it plants. Later areas extend it by registering a planter.
"""
