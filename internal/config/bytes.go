package config

import (
	"math/big"
	"strconv"
	"strings"
)

// ByteQuantity is Exchange's Unlimited<ByteQuantifiedSize>: a number of
// bytes, or unlimited. The zero value is 0 bytes.
type ByteQuantity struct {
	bytes     uint64
	unlimited bool
}

// byteQuantitySyntax describes the accepted input, for error messages.
const byteQuantitySyntax = "a number with an optional unit B, KB, MB, GB or TB (for example 36MB or 2 MB; a bare number counts bytes), or unlimited"

// byteUnit is one unit of ByteQuantity, from the largest down.
type byteUnit struct {
	name string
	size uint64
}

// byteUnits lists the units, largest first (a function: no mutable globals).
func byteUnits() []byteUnit {
	return []byteUnit{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}
}

// Bytes returns the quantity of n bytes.
func Bytes(n uint64) ByteQuantity { return ByteQuantity{bytes: n} }

// Unlimited returns the unlimited quantity.
func Unlimited() ByteQuantity { return ByteQuantity{unlimited: true} }

// IsUnlimited reports whether q is unlimited.
func (q ByteQuantity) IsUnlimited() bool { return q.unlimited }

// Bytes returns the number of bytes and true, or 0 and false when q is
// unlimited.
func (q ByteQuantity) Bytes() (uint64, bool) {
	if q.unlimited {
		return 0, false
	}
	return q.bytes, true
}

// ParseByteQuantity parses a byte quantity, case-insensitively and with
// surrounding spaces ignored:
//
//   - "unlimited";
//   - a decimal number with an optional unit B, KB, MB, GB or TB (binary
//     multiples, 1 KB = 1024 B), optionally separated by spaces: "2MB",
//     "2 MB", "1.5 GB"; a bare number counts bytes. A fraction that does not
//     come to whole bytes is rounded down;
//   - the display form "2 MB (2,097,152 bytes)", whose exact byte count in
//     parentheses is the value, so a displayed value can be pasted back.
//
// Values above 2^64-1 bytes are refused.
func ParseByteQuantity(text string) (ByteQuantity, error) {
	s := strings.TrimSpace(text)
	bad := func() (ByteQuantity, error) {
		return ByteQuantity{}, syntaxError("ByteQuantifiedSize", text, byteQuantitySyntax)
	}
	if strings.EqualFold(s, "unlimited") {
		return Unlimited(), nil
	}
	if open := strings.IndexByte(s, '('); open >= 0 {
		n, ok := parseDisplayedBytes(s[open:])
		if !ok {
			return bad()
		}
		// The leading "2 MB" is rounded for display; only its syntax matters.
		if _, ok := scaledBytes(strings.TrimSpace(s[:open])); !ok {
			return bad()
		}
		return Bytes(n), nil
	}
	n, ok := parseScaled(s)
	if !ok {
		return bad()
	}
	return Bytes(n), nil
}

// parseDisplayedBytes reads "(2,097,152 bytes)".
func parseDisplayedBytes(s string) (uint64, bool) {
	inner, ok := strings.CutPrefix(s, "(")
	if !ok {
		return 0, false
	}
	inner, ok = strings.CutSuffix(inner, ")")
	if !ok {
		return 0, false
	}
	num, ok := strings.CutSuffix(inner, " bytes")
	if !ok || num == "" || strings.HasPrefix(num, ",") || strings.HasSuffix(num, ",") {
		return 0, false
	}
	digits := strings.ReplaceAll(num, ",", "")
	if strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
		return 0, false // ParseUint would also take a leading '+'
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

// parseScaled reads "<decimal>[ ]<unit>" or a bare decimal and returns the
// whole number of bytes, if it fits in 64 bits.
func parseScaled(s string) (uint64, bool) {
	n, ok := scaledBytes(s)
	if !ok || !n.IsUint64() {
		return 0, false
	}
	return n.Uint64(), true
}

// scaledBytes reads "<decimal>[ ]<unit>" or a bare decimal and returns the
// whole number of bytes, rounded down, whatever its size.
func scaledBytes(s string) (*big.Int, bool) {
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	num, unit := s[:end], strings.TrimSpace(s[end:])
	mult := uint64(1)
	if unit != "" {
		found := false
		for _, u := range byteUnits() {
			if strings.EqualFold(unit, u.name) {
				mult, found = u.size, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	intPart, fracPart, hasDot := strings.Cut(num, ".")
	if len(num) > 40 || intPart == "" || (hasDot && fracPart == "") || strings.Contains(fracPart, ".") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return nil, false
	}
	r.Mul(r, new(big.Rat).SetUint64(mult))
	return new(big.Int).Quo(r.Num(), r.Denom()), true // floor: both are non-negative
}

// String returns the Exchange display form: "Unlimited", or the value in
// the largest unit it fills, rounded to at most three decimals, followed by
// the exact count: "2 MB (2,097,152 bytes)", "1.5 KB (1,536 bytes)",
// "0 B (0 bytes)".
func (q ByteQuantity) String() string {
	if q.unlimited {
		return "Unlimited"
	}
	unit := byteUnit{"B", 1}
	for _, u := range byteUnits() {
		if q.bytes >= u.size {
			unit = u
			break
		}
	}
	whole, rem := q.bytes/unit.size, q.bytes%unit.size
	// rem < 2^40, so rem*1000 cannot overflow.
	thousandths := (rem*1000 + unit.size/2) / unit.size
	if thousandths == 1000 {
		whole, thousandths = whole+1, 0
	}
	num := strconv.FormatUint(whole, 10)
	if thousandths > 0 {
		frac := strings.TrimRight(strconv.FormatUint(thousandths+1000, 10)[1:], "0")
		num += "." + frac
	}
	return num + " " + unit.name + " (" + groupThousands(q.bytes) + " bytes)"
}

// groupThousands formats n with a comma between groups of three digits.
func groupThousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// MarshalText encodes q in its display form.
func (q ByteQuantity) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// UnmarshalText decodes any input accepted by ParseByteQuantity.
func (q *ByteQuantity) UnmarshalText(b []byte) error {
	v, err := ParseByteQuantity(string(b))
	if err != nil {
		return err
	}
	*q = v
	return nil
}
