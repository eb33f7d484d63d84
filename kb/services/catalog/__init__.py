"""Reading the published catalogue: lists and profiles, search, regions, statistics,
recommendations, map points and feeds.
"""
