"""The only package that talks to the database (SQLAlchemy 2 async; SQLite or PostgreSQL)."""
