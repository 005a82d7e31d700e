-- The message files the full-text index has no document for (stored
-- before the index existed, with it off, or whose text could not be had):
-- a text search must consider their messages, and finds them here at a
-- cost in their number rather than the folder's size. The writer keeps it:
-- a blob stored without a document is added, an indexed or deleted one
-- removed. check --repair rebuilds it from messages and text_docs.
CREATE TABLE text_unindexed (
    blob TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT OR IGNORE INTO text_unindexed (blob)
    SELECT DISTINCT m.blob FROM messages m
    WHERE NOT EXISTS (SELECT 1 FROM text_docs d WHERE d.blob = m.blob);
