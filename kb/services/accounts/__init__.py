"""Accounts: users, sign-in, self-registration, passwords, mail-link tokens, API tokens and
their administration.
"""
