"""`POST /api/followers/import`: upload an account's files as a new snapshot of one dataset: followers (the
default), following, tweets, interactions or follower-tweets (X API v2 pages, JSONL, CSV)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile

from followlytics.api.deps import PlatformDep, UserId
from followlytics.services.imports import KINDS, dataset_for_kind, import_files, parse_taken_at

router = APIRouter(prefix="/api/followers", tags=["followers"])


@router.post("/import", status_code=201)
def import_followers(
    platform: PlatformDep,
    user_id: UserId,
    files: Annotated[
        list[UploadFile], File(description="One or more files; together they make one snapshot.")
    ],
    account: Annotated[str | None, Form(description="X handle the data belongs to.")] = None,
    competitor: Annotated[bool, Form(description="The account is a competitor's.")] = False,
    kind: Annotated[str, Form(description=f"What the files hold: {', '.join(KINDS)}.")] = "followers",
    taken_at: Annotated[
        str | None, Form(description="When the data was exported (ISO 8601 with a zone); default: now.")
    ] = None,
) -> dict[str, Any]:
    dataset = dataset_for_kind(kind)  # before the upload is copied: bad fields fail fast
    exported = parse_taken_at(taken_at)
    with tempfile.TemporaryDirectory(dir=_upload_dir(platform.settings.data_dir)) as tmp:
        paths, names = [], []
        for index, upload in enumerate(files):
            name = Path(upload.filename or f"upload-{index + 1}").name
            path = Path(tmp) / f"{index}-{name}"
            with path.open("wb") as out:
                shutil.copyfileobj(upload.file, out)
            paths.append(path)
            names.append(name)
        result = import_files(
            platform,
            user_id=user_id,
            paths=paths,
            display_names=names,
            handle=account,
            competitor=competitor,
            dataset=dataset,
            taken_at=exported,
        )
    return asdict(result)


def _upload_dir(data_dir: Path) -> Path:
    folder = data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
