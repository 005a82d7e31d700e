// Package shell is Postern's cmdlet shell: the subset of PowerShell that
// the Exchange documentation uses, and the Exchange Management Shell
// cmdlets for POP3, IMAP4, mailboxes, services and certificates, run over
// the admin API. `postern shell` (cmd/postern/shell.go) is its front end.
//
// The pieces, in the order a line goes through them:
//
//   - lexer.go, parser.go, ast.go: a real tokenizer and parser (not string
//     splitting) for statements separated by ';' or line breaks,
//     pipelines, cmdlet invocations with named, positional and switch
//     parameters (-Confirm:$false), single- and double-quoted strings with
//     escapes and $variable expansion, bare words (mail.contoso.com,
//     *Bindings, 00:00:30), numbers (1024, 0x10, 10MB), $true/$false/$null,
//     comma arrays, @{Add=...;Remove=...}, ( ) $( ) @( ), $x = ...,
//     property access ($cred.UserName) and [System.IO.File]::ReadAllBytes().
//     Errors carry the position of the fault, worded and laid out as
//     PowerShell's; Incomplete ones let the interactive shell ask for more.
//   - eval.go, params.go: the evaluator and parameter binding: names are
//     case-insensitive and may be abbreviated when unambiguous ("ambiguous
//     parameter" otherwise), values convert to the parameter's type, the
//     common parameters (-WhatIf, -Confirm, -ErrorAction, ...) apply, and
//     objects flow through pipelines.
//   - cmdlets*.go: the command table. Every change goes through the admin
//     API, whose server validates it (internal/config owns the names,
//     syntax and ranges); -WhatIf asks the server to validate on a copy,
//     except for receive connectors (cmdlets_connector.go), where it
//     validates locally with internal/config, as the API has no dry run.
//   - format.go: Format-List, Format-Table, Select-Object and the default
//     output (Out-Default), as the Exchange Management Shell prints them.
//   - lineedit.go, complete.go: line editing, history and Tab completion
//     of cmdlet and parameter names for the interactive shell.
//
// Invariants a contributor must not break:
//   - Parsing never panics and never recurses deeper than maxDepth;
//     FuzzParse checks that printing a parsed script (String) and parsing
//     it again gives the same text.
//   - A password lives in a *SecureString, which prints as its type name;
//     it is sent to the admin API only, never written to output, errors or
//     logs (the API's audit log masks it too).
//   - The shell holds no package-level mutable state; a Shell is one
//     session.
//
// Where Postern differs from Exchange, by necessity (each says so when it
// matters): one admin socket manages one server, so -Server must name it;
// Import-ExchangeCertificate reads PEM (certificate chain and unencrypted
// key) rather than .pfx, from -FileData bytes, a -FileData path or
// -FileName/-KeyFileName; Remove-Mailbox asks for confirmation only in an
// interactive shell (scripts and -c behave as with -Confirm:$false);
// Test-PopConnectivity/Test-ImapConnectivity need -MailboxCredential (no
// test account), default to ConnectionType Tls, and report the message
// round trip as Skipped until SMTP submission exists.
package shell
