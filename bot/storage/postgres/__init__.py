"""PostgreSQL storage (asyncpg), the twin of the SQLite store beside it: PostgresStore in store.py and its
answer writer in writer.py. This package file imports nothing, so a SQLite user never loads asyncpg."""
