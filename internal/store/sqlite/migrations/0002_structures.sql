-- The analysis of a message's bytes (Options.Analyze: for Postern, the MIME
-- structure that IMAP BODYSTRUCTURE, ENVELOPE and BODY[section] read), kept
-- per blob: copies of one message share it. Opaque to the store.
CREATE TABLE structures (
    blob TEXT NOT NULL PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;
