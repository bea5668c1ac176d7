"""Database work of accounts: keyword-only async functions over an `AsyncSession`, one module per
area. They never commit: the caller's transaction decides, so a change, its audit entry, its mail and
its event (outbox) commit together or not at all."""
