"""Error responses: every error is JSON `{"error": {"type", "message", "field"?}}` with its own status.

Bad input never becomes a 500: request validation answers 422 naming the field, and an unexpected
exception answers a bare 500 with no internals (the traceback goes to the log only).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from followlytics.errors import FollowlyticsError

log = logging.getLogger("followlytics.api")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FollowlyticsError, _followlytics_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def _body(status: int, error: dict[str, object], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers=headers)


async def _followlytics_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FollowlyticsError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return _body(exc.status_code, exc.to_dict(), headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "form")]
    field = ".".join(loc) or None
    message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    return _body(422, {"type": "InvalidInput", "message": message, "field": field})


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return _body(exc.status_code, {"type": "HTTPError", "message": str(exc.detail)}, exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _body(500, {"type": "InternalError", "message": "something went wrong on our side"})
