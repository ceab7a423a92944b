"""Persistence: models, sessions, repositories and migrations. No platform SDK is imported here."""
