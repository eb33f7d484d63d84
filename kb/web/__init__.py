"""HTTP plumbing shared by every blueprint, no routes: errors, headers, proxy, request guard,
rate limit, redirects, query parameters, permissions, languages, templating, sanitising,
request log and the OpenAPI description.

May import services, search and models; never a blueprint (kb.views) or the CLI.
"""
