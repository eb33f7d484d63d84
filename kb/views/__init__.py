"""The blueprints, one package per area of the site.

A blueprint may import web, services, search and models, never another blueprint or the
search engine itself.
"""
