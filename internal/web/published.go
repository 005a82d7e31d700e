package web

import (
	"cmp"
	"slices"

	"github.com/postern/postern/internal/config"
)

// Published is what the administrator publishes to users: the POP3 and
// IMAP4 ExternalConnectionSettings, and the SMTP submission endpoint of the
// receive connector whose AdvertiseClientSettings is $true (spec §7).
type Published struct {
	// POP and IMAP are the protocols' ExternalConnectionSettings, as
	// stored; empty shows nothing (the default).
	POP, IMAP []config.ConnectionSetting
	// SMTP is the advertised submission endpoint (the connector's Fqdn,
	// port and encryption); nil while no connector advertises it.
	SMTP *config.ConnectionSetting
}

// shown applies spec §7 to one protocol's ExternalConnectionSettings: when
// an SSL entry is set beside TLS (or unencrypted) ones, only the SSL
// entries are shown; otherwise every entry is.
func shown(list []config.ConnectionSetting) []config.ConnectionSetting {
	var ssl []config.ConnectionSetting
	for _, c := range list {
		if c.Encryption == config.EncryptionSSL {
			ssl = append(ssl, c)
		}
	}
	if len(ssl) > 0 {
		return ssl
	}
	return slices.Clone(list)
}

// byPreference orders entries for a client to try: implicit TLS, then
// STARTTLS, then unencrypted; the stored order otherwise.
func byPreference(list []config.ConnectionSetting) []config.ConnectionSetting {
	rank := func(e config.Encryption) int {
		switch e {
		case config.EncryptionSSL:
			return 0
		case config.EncryptionTLS:
			return 1
		}
		return 2
	}
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b config.ConnectionSetting) int { return cmp.Compare(rank(a.Encryption), rank(b.Encryption)) })
	return out
}

// hasIncoming reports whether any POP3 or IMAP4 endpoint is published.
func (p Published) hasIncoming() bool { return len(p.POP) > 0 || len(p.IMAP) > 0 }

// encryptionLabel is how the page names an encryption method. Exchange
// writes SSL and TLS; the page uses the names today's mail apps show in
// their account settings (SSL/TLS for implicit TLS, STARTTLS for the
// upgrade), so that a user can match them.
func encryptionLabel(e config.Encryption) string {
	switch e {
	case config.EncryptionSSL:
		return "SSL/TLS"
	case config.EncryptionTLS:
		return "STARTTLS"
	}
	return "None"
}
