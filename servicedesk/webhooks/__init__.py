"""Partner webhooks (contract: "Partner webhooks"): a transactional outbox,
signed deliveries by a Celery worker, retries with backoff for at least 24
hours, per object in order, and a log of every attempt."""
