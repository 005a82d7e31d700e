// Package tlsconf owns the server's TLS certificates: the self-signed
// certificate a fresh server creates for itself, certificates an
// administrator imports, the services each one is enabled for
// (Enable-ExchangeCertificate -Services), and the choice of certificate for a
// connection, by X509CertificateName (spec §2) and by the client's SNI name.
//
// Certificates live in one folder (typically <data>/certs/) as PEM pairs:
//
//	<name>.crt   the certificate followed by its chain, mode 0644
//	<name>.key   the private key (PKCS #8), mode 0600
//	<name>.json  optional sidecar: {"services":["IMAP","POP"]}
//
// The self-signed certificate is named after the server FQDN
// (<dir>/<fqdn>.crt); that file is also what a client trusts as its CA
// file. Imported certificates are named after their thumbprint.
//
// Invariants:
//   - The certificate set in use is immutable and held in an atomic pointer;
//     Reload (and every Store change) builds a complete new set and swaps it,
//     so listeners never restart and a handshake never sees half a set.
//     A reload that fails keeps the previous set.
//   - A certificate is chosen only while valid (NotBefore <= now < NotAfter).
//     Exact name matches win over wildcard matches; among equals the latest
//     NotAfter wins; remaining ties go to the smaller thumbprint so the choice
//     is deterministic.
//   - Files are written to a temporary name and renamed, key before
//     certificate, so a crash never leaves a .crt without its .key.
package tlsconf
