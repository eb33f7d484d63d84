"""Re-use of cases ("Wir nutzen das auch"): declarations, reminders and experience reports."""
