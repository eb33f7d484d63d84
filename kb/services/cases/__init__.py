"""Use cases: the case record (parser and serializer), writing records into the database (one by
one and in bulk), members' submissions and the adopters they name (held until a moderator ticks
them), moderation and stored revisions.

May import adoptions (publishing ticked adopters), registry and the top-level services (audit,
notifications, decisions, unit of work).
"""
