"""Backups of the database, the stored files and the signing keys (`flask backup`)."""
