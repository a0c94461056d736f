"""The use cases, one module each; routers and CLI commands call these and nothing deeper."""
