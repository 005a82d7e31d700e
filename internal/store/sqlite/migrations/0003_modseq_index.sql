-- A folder's messages by mod-sequence: Changes reads the ones changed
-- since a session's view (modseq > since) without scanning the folder, so
-- a change costs a selected session what changed, not the folder's size.
CREATE INDEX messages_modseq ON messages (folder, modseq);
