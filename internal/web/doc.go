// Package web is the web service's HTTP side, the role Outlook on the web's
// "POP and IMAP" settings page plays for Exchange (spec §7), and the
// documents mail clients fetch to configure themselves: Thunderbird's
// autoconfig, Outlook's Autodiscover (POX) and an Apple configuration
// profile.
//
// Everything is server-rendered with html/template; the only assets are
// one small style sheet, embedded. There is no JavaScript.
//
// Invariants a contributor must not break:
//   - Signing in goes through the same logon engine as POP3, IMAP4 and SMTP
//     (package login): the built-in accounts are refused, failures are
//     tarpitted and throttled per address and per account, and a wrong
//     password, an unknown address and a blocked account get one text.
//   - Session ids are random, held server-side with an idle and an absolute
//     expiry, and travel only in a __Host- cookie that is Secure, HttpOnly
//     and SameSite=Strict. Sign-in always makes a new id; sign-out deletes
//     it.
//   - Every POST form carries a CSRF token checked in constant time
//     (sign-in: a token bound to a pre-session cookie; later: the
//     session's token). The XML endpoints clients POST to are not forms and
//     change nothing.
//   - Unauthenticated callers learn nothing about which addresses exist:
//     autoconfig and Autodiscover answer the same document for every
//     address of an accepted domain, and 404 (or Autodiscover's error) for
//     other domains.
//   - What is published (Published) is read when the service starts, as
//     Exchange's web tier reads it (spec §7: changes show after a restart);
//     per-mailbox switches (PopEnabled, ImapEnabled) are read per request.
//   - No password reaches a log.
package web
