"""The review page: a small FastAPI app with server-rendered Jinja2 pages.

``minutes review`` serves it; ``minutes user add`` creates the accounts.
See docs/review.md for the reviewer's workflow.
"""
