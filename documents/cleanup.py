"""Files no row names (docs/onsite-documents.md, "Never changes").

A photo, signature or document file is written to storage inside the
transaction of the action that records it; if that transaction rolls back
after the write (a later guard or effect fails, the worker dies), the row is
gone and the file stays, named by nothing. `remove_orphan_files` lists the
folders the file fields write to and deletes the files no row names, once
they are older than `grace` (a file younger than that may belong to a
transaction still running). It works through the storage API, so on
S3-compatible storage too; run daily by beat (`documents.remove_orphan_files`).
"""

import datetime
import logging
import posixpath

from django.core.files.storage import default_storage
from django.utils import timezone

from .models import Document, Photo, Signature

log = logging.getLogger(__name__)

GRACE = datetime.timedelta(hours=6)

# (model, file fields): every file field of the app.
FIELDS = [(Signature, ["image"]), (Photo, ["image", "thumbnail"]), (Document, ["file"])]


def _roots():
    """The fixed first folder of each field's upload_to ("photos/%Y/%m/" -> "photos")."""
    return sorted({model._meta.get_field(name).upload_to.split("/", 1)[0] for model, names in FIELDS for name in names})


def _walk(storage, folder):
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from _walk(storage, posixpath.join(folder, sub))


def _named(folder):
    """Every file name the rows hold under a folder."""
    names = set()
    for model, fields in FIELDS:
        for field in fields:
            names.update(model.objects.filter(**{f"{field}__startswith": folder + "/"})
                         .values_list(field, flat=True))
    return names


def remove_orphan_files(*, now=None, grace=GRACE, storage=None) -> list[str]:
    """Delete the files under the documents' folders that no row names and
    that are older than `grace`; returns their names."""
    storage = storage or default_storage
    cutoff = (now or timezone.now()) - grace
    removed = []
    for root in _roots():
        files = list(_walk(storage, root))
        if not files:
            continue
        named = _named(root)
        for name in files:
            if name in named or storage.get_modified_time(name) > cutoff:
                continue
            storage.delete(name)
            removed.append(name)
    if removed:
        log.info("removed %d files no row names: %s", len(removed), ", ".join(removed[:20]))
    return removed
