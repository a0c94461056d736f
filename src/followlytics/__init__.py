"""Followlytics Agents: a personal AI agent per creator that knows their X audience and shows its evidence."""

__version__ = "0.1.0"
