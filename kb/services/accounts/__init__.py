"""Accounts: users, sign-in, self-registration, passwords, mail-link tokens, API tokens and
their administration.

May import cases (address format), registry and the top-level services.
"""
