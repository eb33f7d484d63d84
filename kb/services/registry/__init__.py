"""The municipality registry (Destatis Gemeindeverzeichnis) and names: resolving names,
type-ahead, organisations and the topic vocabulary.

Imports no other sub-domain.
"""
