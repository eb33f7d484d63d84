"""Cases in and out of the instance: import, export, backup and restore, publiccode.yml."""
