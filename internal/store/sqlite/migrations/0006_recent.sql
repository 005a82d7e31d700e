-- The highest UID of each folder some session has claimed as \Recent
-- (store.RecentClaimer): the messages above it are recent. The messages
-- of an existing folder were all seen before this migration: its claim
-- starts at its highest UID; a new folder's at 0.
ALTER TABLE folders ADD COLUMN recent_claim BIGINT NOT NULL DEFAULT 0;
UPDATE folders SET recent_claim = uidnext - 1;
