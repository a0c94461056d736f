"""Feedback on answers: a user marks one of their answers helpful or not, with a note saying why, and the
newest ratings become part of their agent's memory (`agent.prompts.system_prompt`, `feedback=`).

One rating per answer: rating again replaces it. Only the answer's owner can rate it (anyone else gets the
same 404 as for a question that does not exist).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from followlytics.agent.prompts import FeedbackNote
from followlytics.db.models import AnswerFeedback, Query, utcnow
from followlytics.errors import InvalidInput, NotFound
from followlytics.services.platform import Platform

MAX_NOTE_CHARS = 500
# How many ratings the agent remembers: enough to show a pattern, few enough to stay cheap in every prompt.
MEMORY_FEEDBACK = 5


class Feedback(BaseModel):
    query_id: str
    helpful: bool
    note: str | None
    updated_at: datetime


def give_feedback(
    platform: Platform, *, user_id: str, query_id: str, helpful: bool, note: str | None = None
) -> Feedback:
    """Record (or replace) the user's rating of one of their answers."""
    note = _checked_note(note)
    with platform.db.session() as session:
        query = session.get(Query, query_id)
        if query is None or query.user_id != user_id:
            raise NotFound(f"no question {query_id!r}")
        if query.status != "answered":
            raise InvalidInput("only an answered question can be rated", field="query_id")
        row = session.scalar(select(AnswerFeedback).where(AnswerFeedback.query_id == query_id))
        if row is None:
            row = AnswerFeedback(query_id=query_id, user_id=user_id, helpful=helpful, note=note)
            session.add(row)
        else:
            row.helpful, row.note, row.updated_at = helpful, note, utcnow()
        session.flush()
        return Feedback(query_id=query_id, helpful=row.helpful, note=row.note, updated_at=row.updated_at)


def feedback_for(session: Session, *, user_id: str, query_ids: list[str]) -> dict[str, Feedback]:
    """The user's ratings of those answers, by query id (for showing them next to the answers)."""
    if not query_ids:
        return {}
    rows = session.scalars(
        select(AnswerFeedback).where(
            AnswerFeedback.user_id == user_id, AnswerFeedback.query_id.in_(query_ids)
        )
    ).all()
    return {
        row.query_id: Feedback(
            query_id=row.query_id, helpful=row.helpful, note=row.note, updated_at=row.updated_at
        )
        for row in rows
    }


def remembered_feedback(
    session: Session, *, user_id: str, limit: int = MEMORY_FEEDBACK
) -> list[FeedbackNote]:
    """The user's newest ratings with the question each was about, newest first, for the agent's memory."""
    rows = session.execute(
        select(Query.question, AnswerFeedback.helpful, AnswerFeedback.note)
        .join(Query, Query.id == AnswerFeedback.query_id)
        .where(AnswerFeedback.user_id == user_id)
        .order_by(AnswerFeedback.updated_at.desc(), AnswerFeedback.id.desc())
        .limit(limit)
    ).all()
    return [FeedbackNote(question=question, helpful=helpful, note=note) for question, helpful, note in rows]


def _checked_note(note: str | None) -> str | None:
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"a note is at most {MAX_NOTE_CHARS} characters", field="note")
    return note or None
