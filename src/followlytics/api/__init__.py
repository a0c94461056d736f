"""The HTTP API: app factory, auth dependencies, error handlers and one router per resource."""
