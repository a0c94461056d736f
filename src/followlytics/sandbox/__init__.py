"""Sandboxes: the provider protocol, the local provider, and the runtime that runs inside one."""
