from celery import shared_task

from .cleanup import remove_orphan_files


@shared_task(name="documents.remove_orphan_files", acks_late=True, ignore_result=True)
def remove_orphan_files_task():
    """Deletes the photo, signature and document files no row names (a
    transaction rolled back after writing them); django-celery-beat, daily."""
    return len(remove_orphan_files())
