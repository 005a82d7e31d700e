// Package login is the protocol-neutral pre-login engine that POP3, IMAP4,
// SMTP AUTH, the settings page and the remote admin API share: the
// LoginType policy, the SASL mechanisms and their exchange (Exchange over
// each protocol's Prompter), the identities of a logon (Attempt: who
// authenticates, whose mailbox opens, from where), the checks every logon
// passes (built-in accounts, per-mailbox protocol switches, per-user
// connection limits), the throttle that paces logons per source
// (throttle.go), the failure delay, and the pre-logon session's error count
// and goodbye (Strikes, ReadFailure). Each protocol adds a thin adapter that
// speaks its own syntax and writes its own texts; none of them decides
// policy.
//
// Invariants:
//   - Failures are counted per source (an IPv4 address, an IPv6 /64) and
//     per (account, source), never per account alone: no stranger can
//     delay or refuse an account's owner logging on from elsewhere.
//   - Every logon costs exactly one password check and every failure is
//     answered FailureDelay after its command, whatever failed (unknown
//     user, built-in account, protocol switched off, wrong password), with
//     the same reply; only the log tells them apart.
//   - A credential is checked only if the policy allows plain text on the
//     channel (PlainAllowed); otherwise the adapter refuses the command
//     before any directory look-up and no counter moves (spec §2.1).
//   - Administrator, Guest and Anonymous are refused whatever the
//     password, for every spelling directory.Canonical folds to them.
//   - No password is logged or kept after Login returns.
package login

// Type is the LoginType setting (spec §2.1).
type Type int

// LoginType values, numbered as Exchange numbers them.
const (
	PlainTextLogin          Type = 1
	PlainTextAuthentication Type = 2
	SecureLogin             Type = 3
)

// PlainAllowed reports whether USER/PASS, LOGIN and SASL PLAIN/LOGIN may be
// used on a channel: always under TLS (implicit, or after STLS/STARTTLS), and
// in clear only under PlainTextLogin.
func (t Type) PlainAllowed(tls bool) bool {
	return tls || t == PlainTextLogin
}

// Mechanisms lists the SASL mechanisms to advertise and accept on a
// channel. NTLM and GSSAPI are not implemented (ECOSYSTEM.md risk 12), so
// they are never advertised: Postern lists only what the state accepts.
func (t Type) Mechanisms(tls bool) []string {
	if !t.PlainAllowed(tls) {
		return nil
	}
	return []string{"PLAIN", "LOGIN"}
}
