"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from followlytics import __version__
from followlytics.api.deps import PlatformDep
from followlytics.api.errors import install_error_handlers
from followlytics.api.routers import admin, agents, ask, drafts, followers, queries, usage
from followlytics.config import Settings, get_settings
from followlytics.jobs.tasks import start_jobs, stop_jobs
from followlytics.services.agents import reconcile_sandboxes
from followlytics.services.platform import Platform
from followlytics.web import operator, pages
from followlytics.web.session import LazySessionMiddleware
from followlytics.web.templating import HERE as WEB_DIR


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    """An app over `platform` (kept open), or over a platform built from `settings` for the app's lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = platform is None
        app.state.platform = platform or Platform.from_settings(settings or get_settings())
        reconcile_sandboxes(app.state.platform)
        # Local sandboxes are this process's children, so the sweep and queued questions run here too.
        jobs = start_jobs(app.state.platform) if app.state.platform.settings.queue_in_process else None
        try:
            yield
        finally:
            if jobs is not None:
                stop_jobs(jobs)
            if owned:
                app.state.platform.close()

    app = FastAPI(
        title="Followlytics Agents",
        version=__version__,
        description="A personal AI agent that knows your X audience and shows its evidence.",
        lifespan=lifespan,
    )
    if platform is not None:  # usable without running the lifespan (in-process test clients)
        app.state.platform = platform
    install_error_handlers(app)
    for router in (
        agents.router,
        queries.router,
        ask.router,
        drafts.router,
        followers.router,
        usage.router,
        admin.router,
    ):
        app.include_router(router)
    # The dashboard (docs/dashboard.md): pages, their static files, and the session cookie the API accepts.
    app.include_router(pages.router)
    app.include_router(operator.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.add_middleware(LazySessionMiddleware)

    @app.get("/healthz", tags=["health"])
    def healthz(platform: PlatformDep) -> dict[str, str]:
        platform.db.ping()
        return {"status": "ok", "version": __version__}

    return app
