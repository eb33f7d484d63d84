"""Use cases: the case record (parser), writing records into the database (one by one and in
bulk), members' submissions, moderation and stored revisions.
"""
