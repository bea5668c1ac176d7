from platformkit.migrations import run_migrations

run_migrations()
