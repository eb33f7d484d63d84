"""PostgreSQL full-text backend: the same German terms as the Whoosh backend, stored in tables
that any number of app servers share.

May import the engine (base, ranking, german) and SQLAlchemy.
"""
