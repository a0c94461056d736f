"""The dashboard: server-rendered pages (Jinja2), a little vendored JavaScript, static files, and the
signed session cookie that lets a browser use the API on the same origin. See docs/dashboard.md."""
