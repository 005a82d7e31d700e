-- The UIDs expunged from each folder, with the mod-sequence of the commit
-- that removed them, so that a session holding a view as of some modseq
-- learns which of its messages went (ChangesExpunged) at a cost in their
-- number, not the folder's size. Written in the transaction that deletes
-- the messages; dropped with the folder.
CREATE TABLE expunged (
    folder BIGINT NOT NULL,
    modseq BIGINT NOT NULL,
    uid    BIGINT NOT NULL,
    PRIMARY KEY (folder, modseq, uid)
) WITHOUT ROWID;

-- The records of a folder are complete above expunge_floor: every message
-- expunged at a higher modseq has its row. Pruning old rows raises it.
-- Expunges made before this migration were not recorded, so an existing
-- folder starts with its floor at its HIGHESTMODSEQ; a new one at 0.
ALTER TABLE folders ADD COLUMN expunge_floor BIGINT NOT NULL DEFAULT 0;
UPDATE folders SET expunge_floor = highestmodseq;
