-- The full-text index that narrows IMAP SEARCH on text (textindex.go). One
-- document per blob: text_docs names it, text_fts holds its text, lower
-- cased by the writer, in the columns the search keys read: the decoded
-- values of the Subject, From, To, Cc and Bcc fields, of every header field
-- (hdr), and the decoded text parts (body). The trigram tokenizer lets
-- MATCH find any substring of three characters or more; the table is
-- contentless (the text is in the message files), with deletes allowed.
-- A blob without a text_docs row is simply not indexed: a search treats
-- its messages as candidates.
CREATE TABLE text_docs (
    id   INTEGER PRIMARY KEY,
    blob TEXT    NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE text_fts USING fts5 (
    subj, hfrom, hto, hcc, hbcc, hdr, body,
    tokenize = 'trigram case_sensitive 1',
    content = '',
    contentless_delete = 1
);
