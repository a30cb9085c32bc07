"""gunicorn's configuration, read from the working directory (/app in the
image; the repository root with bin/ or bench/ scripts). Issue 18; measured
in docs/benchmarks.md ("Garbage collection and workers").

- gthread workers: a page that polls (the agent console every 500 ms, the
  wallboard) holds a thread for the few milliseconds of its request instead of
  a whole process; with sync workers a dozen consoles kept every process busy
  answering "nothing new". Threads per worker: GUNICORN_THREADS (default 4);
  processes: WEB_CONCURRENCY (read by gunicorn itself), as before.
- Garbage collection: after a worker has loaded Django, the URLconf and the
  translation catalogues, `gc.freeze()` moves those objects (hundreds of
  thousands) out of the collector's reach, so a full collection no longer
  walks them on a request (they set the lists' p99); the first generation's
  threshold goes from 700 to 7,000 allocations, fewer young collections per
  request. Command-line options still win over this file.
"""

import gc
import os

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

GC_THRESHOLD = (7000, 10, 10)


def post_worker_init(worker):
    """The worker has imported the application: warm what every request needs, then freeze."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
