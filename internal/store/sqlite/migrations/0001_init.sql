-- The mailbox schema. Kept close to portable SQL so that the PostgreSQL
-- dialect's 0001 differs only in types (BIGINT GENERATED ... AS IDENTITY for
-- INTEGER PRIMARY KEY) and in dropping WITHOUT ROWID.

-- Store-wide counters, e.g. the last UIDVALIDITY handed out.
CREATE TABLE meta (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
);

-- One row per folder. uidnext and highestmodseq only grow. messages and
-- unseen are maintained counts (unseen: messages without \Seen).
CREATE TABLE folders (
    id            INTEGER PRIMARY KEY,
    account       BIGINT  NOT NULL,
    name          TEXT    NOT NULL,
    uidvalidity   BIGINT  NOT NULL,
    uidnext       BIGINT  NOT NULL,
    highestmodseq BIGINT  NOT NULL,
    subscribed    BOOLEAN NOT NULL DEFAULT FALSE,
    hidden        BOOLEAN NOT NULL DEFAULT FALSE,
    messages      BIGINT  NOT NULL DEFAULT 0,
    unseen        BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (account, name)
);

-- One row per message in a folder. blob is the hex SHA-256 naming the file
-- under blobs/; several rows may share one. internal_date is Unix seconds,
-- date_offset the zone offset in seconds east of UTC. flags holds the
-- canonical flags separated by single spaces; seen mirrors \Seen.
CREATE TABLE messages (
    folder        BIGINT  NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    uid           BIGINT  NOT NULL,
    modseq        BIGINT  NOT NULL,
    size          BIGINT  NOT NULL,
    internal_date BIGINT  NOT NULL,
    date_offset   INTEGER NOT NULL,
    seen          BOOLEAN NOT NULL,
    flags         TEXT    NOT NULL,
    blob          TEXT    NOT NULL,
    PRIMARY KEY (folder, uid)
) WITHOUT ROWID;

CREATE INDEX messages_blob ON messages (blob);
