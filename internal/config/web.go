package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// WebPort is the web service's default port.
const WebPort = 443

// WebSettings are the web service's settings.
type WebSettings struct {
	// Bindings are the HTTPS listeners, IP:Port.
	Bindings []Binding `json:"Bindings"`
	// X509CertificateName picks the certificate presented when the browser
	// sends no SNI name or one no certificate enabled for IIS matches
	// (default: the server FQDN, which the self-signed certificate covers).
	X509CertificateName string `json:"X509CertificateName"`
}

// DefaultWebSettings are a fresh server's web settings: [::]:443 and 0.0.0.0:443,
// like Exchange's IIS bindings.
func DefaultWebSettings(fqdn string) WebSettings {
	return WebSettings{
		Bindings:            []Binding{NewBinding(netip.IPv6Unspecified(), WebPort), NewBinding(netip.IPv4Unspecified(), WebPort)},
		X509CertificateName: fqdn,
	}
}

// Set changes one setting from its text (Bindings, X509CertificateName;
// the name is case-insensitive).
func (w *WebSettings) Set(name, v string) error {
	switch strings.ToLower(name) {
	case "bindings":
		var list []Binding
		for _, text := range SplitList(v) {
			b, err := ParseBinding(text)
			if err != nil {
				return err
			}
			list = append(list, b)
		}
		if len(list) == 0 {
			return errors.New("web: Bindings needs at least one IP:Port")
		}
		if err := CheckListenBindings("Bindings", list); err != nil {
			return err
		}
		w.Bindings = list
	case "x509certificatename":
		w.X509CertificateName = strings.TrimSpace(v)
	default:
		return fmt.Errorf("web: unknown setting %q (Bindings, X509CertificateName)", name)
	}
	return nil
}
