// Package shell is Postern's cmdlet shell: the Exchange Management Shell
// cmdlets for POP3, IMAP4, mailboxes, services and certificates, run over
// the admin API. `postern shell` (cmd/postern/shell.go) is its front end.
//
// It is three packages:
//
//   - internal/shell/lang, the language: the subset of PowerShell that the
//     Exchange documentation uses (tokenizer, parser, evaluator, parameter
//     binding, values, PowerShell's error messages, Out-Default and the
//     Format-*/Select-Object layouts). It knows nothing of Postern: it runs
//     whatever cmdlets its Lookup gives it.
//   - internal/shell (this package), the cmdlets: the command table and
//     the Shell that hands it to the language.
//   - internal/shell/probe, the client side of the connectivity tests.
//
// This package owns:
//
//   - shell.go: Shell, New and Run, the cmdlet lookup with PowerShell's
//     aliases (fl, ft, select, gsv, ...), and the bridge from a table
//     entry (cmdlet) to the language's lang.Cmdlet, whose Run gets a call.
//   - cmdlets*.go: the command table. Every change goes through the admin
//     API, whose server validates it (internal/config owns the names,
//     syntax and ranges); -WhatIf asks the server to validate on a copy,
//     except for receive connectors (cmdlets_connector.go), where it
//     validates locally with internal/config, as the API has no dry run.
//     cmdlets_util.go has the display and utility cmdlets (Format-List,
//     Format-Table, Select-Object, Get-Credential, Read-Host, ...).
//   - cmdlets_connectivity.go, connectivity_message.go:
//     Test-PopConnectivity and Test-ImapConnectivity: the target,
//     credential, timeouts and result rows; the conversations are
//     internal/shell/probe's.
//   - complete.go: Tab completion of cmdlet and parameter names, from the
//     command table.
//   - lineedit.go, term_linux.go, term_other.go: the interactive shell's
//     line editing, history and terminal modes (no echo for secrets).
//     They depend on neither the language nor the cmdlets.
//
// Invariants a contributor must not break:
//   - A password lives in a *lang.SecureString, which prints as its type
//     name; its Reveal is called only to send it to the admin API or to
//     the server under test, never for output, errors or logs (the API's
//     audit log masks it too).
//   - The shell holds no package-level mutable state; a Shell is one
//     session.
//   - The language's invariants are in internal/shell/lang's doc.
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
