package smtp

import (
	"net"
	"net/netip"
	"strings"
	"time"
)

// rfc5322Date is the date-time format of RFC 5322 3.3.
const rfc5322Date = "Mon, 02 Jan 2006 15:04:05 -0700"

// traceFields returns the header fields a delivering server puts on top
// of a message at final delivery: Return-Path with the reverse-path (RFC
// 5321 4.4, RFC 5322 3.6.7) and a Received time-stamp line (RFC 5321 4.4)
// whose "with" names the protocol as RFC 3848 registers it (LMTP, ESMTP,
// ESMTPS, ESMTPA, ESMTPSA, SMTP), folded before "by" and before the date:
//
//	Return-Path: <a@example.org>
//	Received: from mx.example.org ([192.0.2.1])
//		by mail.example.com with LMTP id 3TQ7Y2ZBN6J4A;
//		Mon, 02 Jan 2006 15:04:05 -0700
//
// All inputs are already validated: from is a canonical ASCII mailbox,
// helo a hello name, host a host name, with and id atoms.
func traceFields(from, helo string, remote netip.Addr, host, with, id string, now time.Time) string {
	var b strings.Builder
	b.WriteString("Return-Path: <")
	b.WriteString(from)
	b.WriteString(">\r\nReceived: from ")
	b.WriteString(helo)
	if remote.IsValid() {
		// TCP-info = address-literal (RFC 5321 4.4)
		b.WriteString(" (")
		b.WriteString(addressLiteral(remote))
		b.WriteString(")")
	}
	b.WriteString("\r\n\tby ")
	b.WriteString(host)
	b.WriteString(" with ")
	b.WriteString(with)
	b.WriteString(" id ")
	b.WriteString(id)
	b.WriteString(";\r\n\t")
	b.WriteString(now.Format(rfc5322Date))
	b.WriteString("\r\n")
	return b.String()
}

// addressLiteral writes an IP address as RFC 5321 4.1.3 does.
func addressLiteral(a netip.Addr) string {
	if a.Is4() {
		return "[" + a.String() + "]"
	}
	return "[IPv6:" + a.WithZone("").String() + "]"
}

// remoteIP returns the peer's IP address, if it has one.
func remoteIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// addrPort returns a TCP address as a netip.AddrPort (zero otherwise).
func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}
