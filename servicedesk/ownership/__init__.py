"""First-question responsibility (seeds/000, seeds/001), shared by every
machine whose objects have an owner: work orders, complaints, calls."""
