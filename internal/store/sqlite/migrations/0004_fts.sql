-- The full-text index that narrows IMAP SEARCH on text (textindex.go). One
-- document per blob: text_docs names it, text_fts holds its text, lower
-- cased by the writer, in the columns the search keys read: the decoded
-- values of the Subject, From, To, Cc and Bcc fields, of every other header
-- field (hdr), and the decoded text parts (body). The trigram tokenizer makes
-- every three characters a term; a search asks for the documents holding
-- all the trigrams of its needle. detail = column keeps which column holds
-- a term but no positions, which makes writing it much cheaper than the
-- full detail a phrase query needs (the searcher confirms each candidate
-- anyway). The table is contentless (the text is in the message files),
-- with deletes allowed.
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
    contentless_delete = 1,
    detail = column
);
