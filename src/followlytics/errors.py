"""The error types of Followlytics, each with the HTTP status it maps to.

    FollowlyticsError (500)
    ├── Unauthorized (401)           missing or unknown API key
    ├── Forbidden (403)              the plan or key does not allow this
    │   └── PlanRequired (403)       the plan lacks a feature; names it and the plan that has it
    ├── QuotaExceeded (402)          the monthly question limit is used up (overage blocked)
    ├── NotFound (404)               no such thing, or it belongs to another user
    ├── Conflict (409)               the thing exists, or is in the wrong state
    │   └── NoAudienceData (409)     nothing imported yet for that account
    ├── InvalidInput (422)           a request field is wrong; names the field
    │   └── ImportFailed (422)       a file or record is wrong; names file, line/record and field
    ├── SandboxError (503)           the sandbox could not run the call
    │   ├── ToolFailed (503)         a tool inside the sandbox raised
    │   └── SandboxUnavailable (503) the sandbox provider is down: fail over, else queue the question
    └── ModelError (503)             a language model provider could not answer
        ├── ModelUnavailable (503)   timeout, connection error, 408/409/429/5xx/529: retry, then fail over
        ├── ModelRejected (502)      400/422: our request was wrong; never failed over
        └── ModelMisconfigured (503) bad key, 401/403, no quota: a setting to fix; never failed over

Every error carries a message written for a person; the API turns it into
`{"error": {"type": ..., "message": ..., "field"?: ...}}`.
"""

from __future__ import annotations


class FollowlyticsError(Exception):
    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"type": type(self).__name__, "message": self.message}


class Unauthorized(FollowlyticsError):
    status_code = 401


class Forbidden(FollowlyticsError):
    status_code = 403


class NotFound(FollowlyticsError):
    status_code = 404


class Conflict(FollowlyticsError):
    status_code = 409


class NoAudienceData(Conflict):
    """An analysis needs data the account does not have; `dataset` names which (e.g. `tweets`)."""

    def __init__(self, message: str, *, dataset: str | None = None) -> None:
        super().__init__(message)
        self.dataset = dataset

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), **({"dataset": self.dataset} if self.dataset else {})}


class InvalidInput(FollowlyticsError):
    status_code = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        if self.field is not None:
            data["field"] = self.field
        return data


class ImportFailed(InvalidInput):
    """A bad input file or record. `location` is "line 12" or "record 3" (or None for the whole file)."""

    def __init__(self, *, file: str, location: str | None, field: str | None, problem: str) -> None:
        where = ", ".join(part for part in (file, location) if part)
        what = f"field '{field}': {problem}" if field else problem
        super().__init__(f"{where}: {what}; nothing was imported", field=field)
        self.file = file
        self.location = location
        self.problem = problem

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["file"] = self.file
        data["location"] = self.location
        return data


class SandboxError(FollowlyticsError):
    status_code = 503


class ToolFailed(SandboxError):
    pass


class SandboxUnavailable(SandboxError):
    """The provider itself is down or unreachable (connection refused, timeouts, 5xx): another provider may
    take the call, and a question can wait in the queue until one is back. `provider` names it."""

    def __init__(self, message: str, *, provider: str) -> None:
        super().__init__(message)
        self.provider = provider


class ModelError(FollowlyticsError):
    """A language model call failed. `provider` names the provider (`xai`, `openai`, ...); the message never
    holds a key or the provider's raw error text beyond what the operator needs."""

    status_code = 503

    def __init__(self, message: str, *, provider: str, status: int | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "provider": self.provider}


class ModelUnavailable(ModelError):
    """Worth retrying, then failing over. `retry_after` is the provider's own hint in seconds, if any."""

    def __init__(
        self, message: str, *, provider: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, provider=provider, status=status)
        self.retry_after = retry_after


class ModelRejected(ModelError):
    status_code = 502


class ModelMisconfigured(ModelError):
    pass


class PlanRequired(Forbidden):
    """The user's plan lacks a feature; `feature` names it and `required_plan` the cheapest plan with it."""

    def __init__(self, message: str, *, feature: str, required_plan: str) -> None:
        super().__init__(message)
        self.feature = feature
        self.required_plan = required_plan

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "feature": self.feature, "required_plan": self.required_plan}


class QuotaExceeded(FollowlyticsError):
    """The monthly question limit is used up and the deployment blocks overage (402)."""

    status_code = 402

    def __init__(self, message: str, *, limit: int, resets_at: str, upgrade_to: str | None) -> None:
        super().__init__(message)
        self.limit = limit
        self.resets_at = resets_at
        self.upgrade_to = upgrade_to

    def to_dict(self) -> dict[str, object]:
        return {
            **super().to_dict(),
            "limit": self.limit,
            "resets_at": self.resets_at,
            "upgrade_to": self.upgrade_to,
        }
