"""Each engine's own index beside the document table (only one of them exists in a database).

PostgreSQL: a tsvector column filled by a trigger from the row's text, each part weighted (title A, summary B,
body C, transcript D) and read with the row's own text-search configuration; a GIN index on it; pg_trgm with a
trigram index on the vocabulary for "did you mean". Creating the extension needs a role that may create it
(README: an operator creates it once if the application's role may not).
SQLite: an FTS5 table of the stemmed text (search.backends.sqlite writes it), whose rows a trigger deletes with
their documents, however they are deleted (a cascade from a review, a video, an account).
"""

from django.db import migrations

POSTGRES = [
    (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "SELECT 1",  # other apps may use it: never dropped here
    ),
    (
        "ALTER TABLE search_searchdocument ADD COLUMN vector tsvector",
        "ALTER TABLE search_searchdocument DROP COLUMN vector",
    ),
    (
        """
        CREATE FUNCTION search_document_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE config regconfig := NEW.language::regconfig;
        BEGIN
            NEW.vector :=
                setweight(to_tsvector(config, COALESCE(NEW.title, '')), 'A')
                || setweight(to_tsvector(config, COALESCE(NEW.summary, '')), 'B')
                || setweight(to_tsvector(config, COALESCE(NEW.body, '')), 'C')
                || setweight(to_tsvector(config, COALESCE(NEW.transcript, '')), 'D');
            RETURN NEW;
        END
        $$
        """,
        "DROP FUNCTION search_document_vector()",
    ),
    (
        "CREATE TRIGGER search_document_vector BEFORE INSERT OR UPDATE ON search_searchdocument "
        "FOR EACH ROW EXECUTE FUNCTION search_document_vector()",
        "DROP TRIGGER search_document_vector ON search_searchdocument",
    ),
    (
        "CREATE INDEX search_document_vector ON search_searchdocument USING GIN (vector)",
        "DROP INDEX search_document_vector",
    ),
    (
        "CREATE INDEX search_term_trigram ON search_searchterm USING GIN (word gin_trgm_ops)",
        "DROP INDEX search_term_trigram",
    ),
]

SQLITE = [
    (
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, summary, body, transcript, "
        "tokenize = 'unicode61 remove_diacritics 2')",
        "DROP TABLE search_fts",
    ),
    (
        "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchdocument "
        "BEGIN DELETE FROM search_fts WHERE rowid = old.id; END",
        "DROP TRIGGER search_fts_delete",
    ),
]


def _statements(vendor: str) -> list[tuple[str, str]]:
    return {"postgresql": POSTGRES, "sqlite": SQLITE}.get(vendor, [])


def forwards(apps, schema_editor):
    for sql, _ in _statements(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for _, sql in reversed(_statements(schema_editor.connection.vendor)):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
