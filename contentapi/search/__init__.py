"""Full-text search of procedures in every locale: SQLite FTS5 (standard library) by default,
PostgreSQL full-text search with the database backend. ``text`` folds text the same way for both."""
