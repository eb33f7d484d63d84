"""Re-use of cases ("Wir nutzen das auch"): declarations, proposals of unconfirmed members held
for moderation, reminders and experience reports.

May import registry and the top-level services.
"""
