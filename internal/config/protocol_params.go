package config

import (
	"strings"
	"time"
)

// protocolParams returns the parameter table of one protocol's settings,
// in Exchange's display order. The order is that of Get-PopSettings |
// Format-List as remembered from Exchange 2016 output (unconfirmed by a
// [doc] source); the protocol-specific parameter sits second in both.
func protocolParams(protocol string) paramSet[ProtocolSettings] {
	type S = ProtocolSettings
	pop := !strings.EqualFold(protocol, ProtocolIMAP4)
	maxCommand := intParam("MaxCommandSize", 1024, 16384, func(s *S) *int { return &s.MaxCommandSize })
	specific := boolParam("ShowHiddenFoldersEnabled", func(s *S) *bool { return &s.ShowHiddenFoldersEnabled })
	if pop {
		maxCommand = intParam("MaxCommandSize", 40, 1024, func(s *S) *int { return &s.MaxCommandSize })
		specific = enumParam("MessageRetrievalSortOrder", sortOrderSpec(), func(s *S) *SortOrder { return &s.MessageRetrievalSortOrder })
	}
	params := []param[S]{
		maxCommand,
		specific,
		listParam("UnencryptedOrTLSBindings", ParseBinding, func(s *S) *[]Binding { return &s.UnencryptedOrTLSBindings }),
		listParam("SSLBindings", ParseBinding, func(s *S) *[]Binding { return &s.SSLBindings }),
		listParam("InternalConnectionSettings", ParseConnectionSetting, func(s *S) *[]ConnectionSetting { return &s.InternalConnectionSettings }),
		listParam("ExternalConnectionSettings", ParseConnectionSetting, func(s *S) *[]ConnectionSetting { return &s.ExternalConnectionSettings }),
		textParam("X509CertificateName", checkCertName, func(s *S) *string { return &s.X509CertificateName }),
		textParam("Banner", checkBanner, func(s *S) *string { return &s.Banner }),
		enumParam("LoginType", loginTypeSpec(), func(s *S) *LoginType { return &s.LoginType }),
		timeSpanParam("AuthenticatedConnectionTimeout", TimeSpan(30*time.Second), TimeSpan(24*time.Hour),
			func(s *S) *TimeSpan { return &s.AuthenticatedConnectionTimeout }),
		timeSpanParam("PreAuthenticatedConnectionTimeout", TimeSpan(30*time.Second), TimeSpan(time.Hour),
			func(s *S) *TimeSpan { return &s.PreAuthenticatedConnectionTimeout }),
		intParam("MaxConnections", 1, maxInt32, func(s *S) *int { return &s.MaxConnections }),
		intParam("MaxConnectionFromSingleIP", 1, maxInt32, func(s *S) *int { return &s.MaxConnectionFromSingleIP }),
		intParam("MaxConnectionsPerUser", 1, maxInt32, func(s *S) *int { return &s.MaxConnectionsPerUser }),
		enumParam("MessageRetrievalMimeFormat", mimeFormatSpec(), func(s *S) *MimeFormat { return &s.MessageRetrievalMimeFormat }),
		intParam("ProxyTargetPort", 1, 65535, func(s *S) *int { return &s.ProxyTargetPort }),
		enumParam("CalendarItemRetrievalOption", calendarSpec(), func(s *S) *CalendarItemRetrievalOption { return &s.CalendarItemRetrievalOption }),
		textParam("OwaServerUrl", checkOwaURL, func(s *S) *string { return &s.OwaServerUrl }),
		boolParam("EnableExactRFC822Size", func(s *S) *bool { return &s.EnableExactRFC822Size }),
		boolParam("SuppressReadReceipt", func(s *S) *bool { return &s.SuppressReadReceipt }),
		boolParam("ProtocolLogEnabled", func(s *S) *bool { return &s.ProtocolLogEnabled }),
		boolParam("EnforceCertificateErrors", func(s *S) *bool { return &s.EnforceCertificateErrors }),
		textParam("LogFileLocation", checkNoControl, func(s *S) *string { return &s.LogFileLocation }),
		enumParam("LogFileRollOverSettings", rollOverSpec(), func(s *S) *RollOver { return &s.LogFileRollOverSettings }),
		byteParam("LogPerFileSizeQuota", func(s *S) *ByteQuantity { return &s.LogPerFileSizeQuota }),
		enumParam("ExtendedProtectionPolicy", extendedProtectionSpec(), func(s *S) *ExtendedProtectionPolicy { return &s.ExtendedProtectionPolicy }),
		boolParam("EnableGSSAPIAndNTLMAuth", func(s *S) *bool { return &s.EnableGSSAPIAndNTLMAuth }),
	}
	if !pop {
		// Postern's own, after Exchange's.
		params = append(params, boolParam("AdvertiseExchangeCapabilitiesOnly", func(s *S) *bool { return &s.AdvertiseExchangeCapabilitiesOnly }))
	}
	return paramSet[S]{params: params, elsewhere: otherProtocolParam(pop), rules: protocolRules, writeRules: protocolListenRules}
}

// protocolListenRules refuses a listener on port 0 in either binding list
// (CheckListenBindings); it applies to settings being written only.
func protocolListenRules(s *ProtocolSettings) error {
	if err := CheckListenBindings("UnencryptedOrTLSBindings", s.UnencryptedOrTLSBindings); err != nil {
		return err
	}
	return CheckListenBindings("SSLBindings", s.SSLBindings)
}

// otherProtocolParam recognises the parameter that only the other protocol
// has, so that Set can say where it belongs.
func otherProtocolParam(pop bool) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if pop && (strings.EqualFold(name, "ShowHiddenFoldersEnabled") || strings.EqualFold(name, "AdvertiseExchangeCapabilitiesOnly")) {
			return ProtocolIMAP4, true
		}
		if !pop && strings.EqualFold(name, "MessageRetrievalSortOrder") {
			return ProtocolPOP3, true
		}
		return "", false
	}
}

// protocolRules checks what spans several fields: the protocol name, the
// other protocol's field left at its zero value, Custom calendar links
// needing OwaServerUrl (spec 5.1), and no address bound by both listener
// lists that would collide when the listeners bind.
func protocolRules(s *ProtocolSettings) error {
	switch s.Protocol {
	case ProtocolPOP3:
		if s.ShowHiddenFoldersEnabled {
			return &ParamError{Param: "ShowHiddenFoldersEnabled", Allowed: ProtocolIMAP4, Kind: ErrWrongProtocol}
		}
		if s.AdvertiseExchangeCapabilitiesOnly {
			return &ParamError{Param: "AdvertiseExchangeCapabilitiesOnly", Allowed: ProtocolIMAP4, Kind: ErrWrongProtocol}
		}
	case ProtocolIMAP4:
		if s.MessageRetrievalSortOrder != SortAscending {
			return &ParamError{Param: "MessageRetrievalSortOrder", Allowed: ProtocolPOP3, Kind: ErrWrongProtocol}
		}
	default:
		return &ParamError{Param: "Protocol", Value: s.Protocol, Allowed: "the protocol must be POP3 or IMAP4", Kind: ErrInvalid}
	}
	if s.CalendarItemRetrievalOption == CalendarCustom && s.OwaServerUrl == "" {
		return &ParamError{Param: "CalendarItemRetrievalOption", Value: CalendarCustom.String(),
			Allowed: "Custom requires OwaServerUrl to be set", Kind: ErrInvalid}
	}
	return checkBindingOverlap(s)
}

// checkBindingOverlap refuses two listeners that cannot both bind on Linux:
// the same non-zero port on the same address, or on the unspecified address
// of one family and any address of that family. [::] and 0.0.0.0 do not
// overlap (the IPv6 listener is IPv6-only, so Exchange's default pair
// works). Exact duplicates within one list are reported earlier.
func checkBindingOverlap(s *ProtocolSettings) error {
	type entry struct {
		list string
		b    Binding
	}
	var all []entry
	for _, b := range s.UnencryptedOrTLSBindings {
		all = append(all, entry{"UnencryptedOrTLSBindings", b})
	}
	for _, b := range s.SSLBindings {
		all = append(all, entry{"SSLBindings", b})
	}
	for j := range all {
		for i := range j {
			if bindingsOverlap(all[i].b, all[j].b) {
				return &ParamError{Param: all[j].list, Value: all[j].b.String(), Kind: ErrInvalid,
					Allowed: "it overlaps " + all[i].b.String() + " in " + all[i].list}
			}
		}
	}
	return nil
}

// bindingsOverlap reports whether a and b would collide on bind.
func bindingsOverlap(a, b Binding) bool {
	if a.Port() == 0 || a.Port() != b.Port() {
		return false
	}
	x, y := a.Addr(), b.Addr()
	if x == y {
		return true
	}
	sameFamily := x.Is4() == y.Is4()
	return sameFamily && (x.IsUnspecified() || y.IsUnspecified())
}
