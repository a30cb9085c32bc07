"""Files a rolled-back transaction left in storage (docs/onsite-documents.md,
"Never changes"): the daily task `documents.remove_orphan_files` deletes the
files no row names once they are older than the grace period, and nothing
else. Through the Celery task."""

import datetime
import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from documents.cleanup import GRACE
from documents.models import Photo
from documents.photos import photo_add
from documents.tasks import remove_orphan_files_task
from tests.conftest import api_for
from tests.test_onsite_parts_photos import image_file, station, visit  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
WO = "/api/v1/work-orders/"


@pytest.fixture(autouse=True)
def own_storage(settings, tmp_path):
    """A storage folder of this test's own: files other tests left are not its business."""
    settings.MEDIA_ROOT = str(tmp_path)


class RolledBack(Exception):
    pass


def upload(size):
    return SimpleUploadedFile("photo.jpg", image_file(size=size).getvalue(), "image/jpeg")


def age(name, by):
    """Move a stored file's modification time back (the local storage of the tests)."""
    path = default_storage.path(name)
    when = (datetime.datetime.now() - by).timestamp()
    os.utime(path, (when, when))


def test_the_files_of_a_rolled_back_photo_are_removed_and_the_kept_ones_stay(visit, tech1):  # noqa: F811
    r = api_for(tech1.user).post(f"{WO}{visit.pk}/photos/", {"image": image_file(), "stage": "before"},
                                 format="multipart")
    assert r.status_code == 201, r.content
    kept = Photo.objects.get()
    written = []
    with pytest.raises(RolledBack), transaction.atomic():
        lost = photo_add(order_id=visit.pk, by=tech1.user, stage="after", upload=upload((40, 40)))
        written = [lost.image.name, lost.thumbnail.name]
        raise RolledBack  # a later step of the action failed: the row is gone, the files are not
    assert Photo.objects.count() == 1
    assert all(default_storage.exists(name) for name in written)
    for name in (*written, kept.image.name, kept.thumbnail.name):
        age(name, GRACE + datetime.timedelta(minutes=5))

    assert remove_orphan_files_task.apply().get() == 2

    assert not any(default_storage.exists(name) for name in written)
    assert default_storage.exists(kept.image.name) and default_storage.exists(kept.thumbnail.name)
    assert api_for(tech1.user).get(f"{WO}{visit.pk}/photos/").json()[0]["sha256"] == kept.sha256


def test_a_young_file_no_row_names_yet_is_left_alone(visit, tech1):  # noqa: F811
    with pytest.raises(RolledBack), transaction.atomic():
        young = photo_add(order_id=visit.pk, by=tech1.user, stage="other", upload=upload((30, 30)))
        raise RolledBack
    # Younger than the grace period: it may belong to a transaction still running.
    assert remove_orphan_files_task.apply().get() == 0
    assert default_storage.exists(young.image.name)
    age(young.image.name, GRACE + datetime.timedelta(seconds=1))
    assert remove_orphan_files_task.apply().get() == 1
    assert not default_storage.exists(young.image.name)
