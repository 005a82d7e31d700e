// Package config owns Postern's settings objects: the POP3 and IMAP4 server
// settings (Exchange's Set-PopSettings / Set-ImapSettings, spec section 2) and
// the per-mailbox protocol settings (Set-CASMailbox, spec section 3). It is
// the single owner of their parameter names, value types, defaults, text
// syntax, display form, JSON form and validation ranges; the CLI verbs, the
// cmdlet shell, the directory and the services all go through it.
//
// It also holds the server's other settings documents, stored by the server
// and shown as they are by the admin API: the transport settings with the
// outbound queue's and the send connectors (transport.go, sendconnector.go),
// the logon throttle's (logon.go) and the web service's (web.go), each with
// its validation and text form; package server loads and stores them.
//
// Value types (TimeSpan, ByteQuantity, ConnectionSetting, Binding and the
// enums) each have a Parse function that accepts the Exchange input syntax
// and a String method that returns the Exchange display form; String of any
// parsed value parses back to the same value. Their JSON form is that string.
//
// Settings objects are edited by parameter name through Set, SetList,
// AddValues, RemoveValues or Apply, and read through Get and Fields, in
// Exchange's display order (Names).
//
// Invariants a contributor must not break:
//   - An edit is atomic: it is applied to a copy, the whole copy is
//     validated, and only then is it stored. On any error the object is
//     unchanged. Setters therefore never modify a slice in place; they
//     always build a new one.
//   - Every error about a value is a *ParamError naming the parameter, the
//     offending value and what is allowed; errors.Is finds its kind (ErrSyntax,
//     ErrOutOfRange, ErrInvalid, ErrUnknownParameter, ErrWrongProtocol,
//     ErrNotMultiValued).
//   - Stored JSON is decoded onto the defaults (LoadProtocolSettings,
//     LoadCASMailbox), so a setting added later keeps its default for old
//     documents, and unknown fields are ignored.
//   - Nothing here reads a package-level mutable variable; tables are built
//     by functions.
package config
