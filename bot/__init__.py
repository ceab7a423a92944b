"""Composition root: settings, wiring, CLI, channels, scheduler."""
