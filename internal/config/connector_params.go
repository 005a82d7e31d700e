package config

import (
	"strconv"
	"strings"
	"time"
)

// connectorParams returns the receive connector's parameter table, in the
// order Get-ReceiveConnector | Format-List shows them (remembered from
// Exchange 2016 output, unconfirmed), with Postern's ImplicitTls next to
// Bindings.
func connectorParams() paramSet[ReceiveConnector] {
	type C = ReceiveConnector
	second := TimeSpan(time.Second)
	day := TimeSpan(24 * time.Hour)
	return paramSet[C]{params: []param[C]{
		flagParam("AuthMechanism", authMechanismSpec(), func(c *C) *AuthMechanism { return &c.AuthMechanism }),
		textParam("Banner", checkSMTPBanner, func(c *C) *string { return &c.Banner }),
		listParam("Bindings", ParseBinding, func(c *C) *[]Binding { return &c.Bindings }),
		boolParam("ImplicitTls", func(c *C) *bool { return &c.ImplicitTls }),
		boolParam("AdvertiseClientSettings", func(c *C) *bool { return &c.AdvertiseClientSettings }),
		textParam("Fqdn", checkFqdn, func(c *C) *string { return &c.Fqdn }),
		textParam("TlsCertificateName", checkX509Identifier, func(c *C) *string { return &c.TlsCertificateName }),
		boolParam("Enabled", func(c *C) *bool { return &c.Enabled }),
		timeSpanParam("ConnectionTimeout", second, day, func(c *C) *TimeSpan { return &c.ConnectionTimeout }),
		timeSpanParam("ConnectionInactivityTimeout", second, day, func(c *C) *TimeSpan { return &c.ConnectionInactivityTimeout }),
		unlimitedIntParam("MaxInboundConnection", 1, maxInt32, func(c *C) *UnlimitedInt { return &c.MaxInboundConnection }),
		unlimitedIntParam("MaxInboundConnectionPerSource", 1, 10000, func(c *C) *UnlimitedInt { return &c.MaxInboundConnectionPerSource }),
		intParam("MaxLogonFailures", 0, 10, func(c *C) *int { return &c.MaxLogonFailures }),
		valueParam("MaxMessageSize", ParseByteQuantity, ByteQuantity.String, checkMaxMessageSize, func(c *C) *ByteQuantity { return &c.MaxMessageSize }),
		unlimitedIntParam("MaxProtocolErrors", 0, maxInt32, func(c *C) *UnlimitedInt { return &c.MaxProtocolErrors }),
		intParam("MaxRecipientsPerMessage", 1, 512000, func(c *C) *int { return &c.MaxRecipientsPerMessage }),
		flagParam("PermissionGroups", permissionGroupsSpec(), func(c *C) *PermissionGroups { return &c.PermissionGroups }),
		enumParam("ProtocolLoggingLevel", protocolLoggingSpec(), func(c *C) *ProtocolLoggingLevel { return &c.ProtocolLoggingLevel }),
		boolParam("RequireTLS", func(c *C) *bool { return &c.RequireTLS }),
		timeSpanParam("AuthTarpitInterval", 0, TimeSpan(10*time.Minute), func(c *C) *TimeSpan { return &c.AuthTarpitInterval }),
		textParam("Name", checkConnectorName, func(c *C) *string { return &c.Name }),
	}, rules: connectorRules, writeRules: connectorListenRules}
}

// connectorListenRules refuses a binding on port 0 (CheckListenBindings);
// it applies to connectors being written only.
func connectorListenRules(c *ReceiveConnector) error {
	return CheckListenBindings("Bindings", c.Bindings)
}

// flagParam builds a parameter holding a flag set; its text is the
// comma-separated names ("Tls, BasicAuth"), replaced as a whole.
func flagParam[T any, F ~uint](name string, spec flagSpec, field func(*T) *F) param[T] {
	parse := func(s string) (F, error) {
		v, err := spec.parse(s)
		return F(v), err
	}
	format := func(v F) string { return spec.format(uint(v)) }
	check := func(v F) error {
		if !spec.valid(uint(v)) {
			return rangeError(spec.format(uint(v)), spec.allowed())
		}
		return nil
	}
	return valueParam(name, parse, format, check, field)
}

// unlimitedIntParam builds an Unlimited<Int32> parameter valid in [lo, hi]
// or unlimited.
func unlimitedIntParam[T any](name string, lo, hi int, field func(*T) *UnlimitedInt) param[T] {
	check := func(v UnlimitedInt) error {
		if n, ok := v.Value(); ok && (n < lo || n > hi) {
			return rangeError(strconv.Itoa(n), intRange(lo, hi)+" or unlimited")
		}
		return nil
	}
	return valueParam(name, ParseUnlimitedInt, UnlimitedInt.String, check, field)
}

// Bounds of MaxMessageSize in bytes.
const (
	minMessageSize = 65536
	maxMessageSize = maxInt32
)

func checkMaxMessageSize(q ByteQuantity) error {
	n, ok := q.Bytes()
	if !ok || n < minMessageSize || n > maxMessageSize {
		return rangeError(q.String(), "65536-2147483647 bytes")
	}
	return nil
}

// checkSMTPBanner accepts an empty value (the default greeting) or one
// line that starts with "220 " and has text after it, as Exchange asks.
func checkSMTPBanner(s string) error {
	if s == "" {
		return nil
	}
	if !strings.HasPrefix(s, "220 ") || strings.TrimSpace(s[4:]) == "" {
		return invalidError(s, `it must start with "220 " followed by the greeting text`)
	}
	return checkNoControl(s)
}

// checkFqdn requires a host name.
func checkFqdn(s string) error {
	if !validHostName(s) {
		return invalidError(s, "it must be a host name such as mail.contoso.com")
	}
	return nil
}

// checkConnectorName requires 1-64 printable characters without a
// backslash (Exchange writes the identity Server\Name).
func checkConnectorName(s string) error {
	if strings.TrimSpace(s) == "" || len([]rune(s)) > 64 || strings.ContainsRune(s, '\\') || s != strings.TrimSpace(s) {
		return invalidError(s, "a receive connector name has 1 to 64 characters, no backslash and no surrounding spaces")
	}
	return checkNoControl(s)
}

// splitX509Identifier splits "<I>issuer<S>subject" (Exchange's
// SmtpX509Identifier).
func splitX509Identifier(s string) (issuer, subject string, ok bool) {
	rest, ok := strings.CutPrefix(s, "<I>")
	if !ok {
		return "", "", false
	}
	issuer, subject, ok = strings.Cut(rest, "<S>")
	if !ok || strings.TrimSpace(issuer) == "" || strings.TrimSpace(subject) == "" {
		return "", "", false
	}
	return issuer, subject, true
}

// checkX509Identifier accepts empty, "<I>issuer<S>subject", or a host
// name (Postern's short form).
func checkX509Identifier(s string) error {
	if s == "" {
		return nil
	}
	if _, _, ok := splitX509Identifier(s); ok {
		return checkNoControl(s)
	}
	if err := checkCertName(s); err != nil {
		return invalidError(s, `it must be "<I>issuer<S>subject" or a host name such as mail.contoso.com`)
	}
	return nil
}

// connectorRules checks what spans settings: the AuthMechanism rules of
// spec 8.2, Postern's ImplicitTls needing Tls, the time-outs' order, and
// at least one binding without collisions.
func connectorRules(c *ReceiveConnector) error {
	m := c.AuthMechanism
	bad := func(rule string) error {
		return &ParamError{Param: "AuthMechanism", Value: m.String(), Kind: ErrInvalid, Allowed: rule}
	}
	switch {
	case m.Has(AuthBasicAuthRequireTLS) && !m.Has(AuthBasicAuth|AuthTLS):
		return bad("BasicAuthRequireTLS requires BasicAuth and Tls")
	case m.Has(AuthExternalAuthoritative) && m&^(AuthExternalAuthoritative|AuthTLS) != 0:
		return bad("ExternalAuthoritative may be combined only with Tls")
	case m.Has(AuthExternalAuthoritative) && !c.PermissionGroups.Has(PermExchangeServers):
		return bad("ExternalAuthoritative requires PermissionGroups ExchangeServers")
	case c.RequireTLS && !m.Has(AuthTLS):
		return bad("Tls is required when RequireTLS is $true")
	case c.ImplicitTls && !m.Has(AuthTLS):
		return bad("Tls is required when ImplicitTls is $true")
	}
	if c.ConnectionInactivityTimeout >= c.ConnectionTimeout {
		return &ParamError{Param: "ConnectionInactivityTimeout", Value: c.ConnectionInactivityTimeout.String(), Kind: ErrInvalid,
			Allowed: "it must be less than ConnectionTimeout (" + c.ConnectionTimeout.String() + ")"}
	}
	if len(c.Bindings) == 0 {
		return &ParamError{Param: "Bindings", Kind: ErrInvalid, Allowed: "a receive connector needs at least one binding"}
	}
	for j := range c.Bindings {
		for i := range j {
			if bindingsOverlap(c.Bindings[i], c.Bindings[j]) {
				return &ParamError{Param: "Bindings", Value: c.Bindings[j].String(), Kind: ErrInvalid,
					Allowed: "it overlaps " + c.Bindings[i].String()}
			}
		}
	}
	return nil
}

// ConnectorChange turns one parameter given as CLI text (Name=Value; a
// comma list for Bindings) into a Change, so that several can be applied
// at once with Apply and validated together, as one New- or
// Set-ReceiveConnector invocation is.
func ConnectorChange(name, text string) (Change, error) {
	p, err := connectorParams().find(name)
	if err != nil {
		return Change{}, err
	}
	values := []string{text}
	if p.list != nil {
		values = SplitList(text)
	}
	return Change{Name: p.name, Op: OpSet, Values: values}, nil
}
