package lang

import (
	"strconv"
	"strings"
	"time"
)

// Values flowing through the shell are nil, string, int64, bool, []any
// (arrays), []byte (file data), *Hashtable, *Object, *SecureString and
// *Credential. Cmdlets output *Object values; the formatters read their
// properties by name.

// Object is a cmdlet's output: an ordered list of properties, like a
// PowerShell object as Format-List shows it.
type Object struct {
	// TypeName groups objects for display: consecutive objects of one type
	// share a table header.
	TypeName string
	Props    []Property
	// Columns is the default table view, as the Exchange Management Shell
	// shows the object when no Format-* cmdlet is given; nil means the list
	// view.
	Columns []string
	// Text is what the object turns into as a string (its ToString), e.g.
	// a service's name; empty means TypeName.
	Text string
}

// Property is one named value of an Object.
type Property struct {
	Name  string
	Value any
}

// Get returns the property with the name, ignoring case.
func (o *Object) Get(name string) (any, bool) {
	for _, p := range o.Props {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return nil, false
}

// text returns a property's display form, or "" when it is missing.
func (o *Object) text(name string) string {
	v, _ := o.Get(name)
	return Display(v)
}

// Add appends a property.
func (o *Object) Add(name string, v any) { o.Props = append(o.Props, Property{Name: name, Value: v}) }

// Hashtable is @{...}: keys in the order written.
type Hashtable struct {
	Keys   []string
	Values []any
}

// SecureString holds a password. It never prints its content: %v, %s and
// %#v all give the type name, so it cannot leak into output or a log.
type SecureString struct {
	text string
}

// NewSecureString holds text as a password.
func NewSecureString(text string) *SecureString { return &SecureString{text: text} }

// Reveal returns the password, for sending it where it is checked (the
// admin API, a logon); never for output, an error or a log.
func (s *SecureString) Reveal() string { return s.text }

func (s *SecureString) String() string   { return "System.Security.SecureString" }
func (s *SecureString) GoString() string { return "System.Security.SecureString" }

// Credential is a user name with a password (Get-Credential).
type Credential struct {
	UserName string
	Password *SecureString
}

func (c *Credential) String() string { return "System.Management.Automation.PSCredential" }

// Formatted is text a Format-* cmdlet produced; it is written as is.
type Formatted struct {
	Text string
}

// Display is a value's display form: True/False for Booleans, {a, b} for
// lists, as Format-List and Format-Table show them.
func Display(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case []string:
		return "{" + strings.Join(x, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Display(e)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []byte:
		return "System.Byte[] (" + strconv.Itoa(len(x)) + " bytes)"
	case time.Time:
		return x.Format("1/2/2006 3:04:05 PM")
	case *Object:
		if x.Text != "" {
			return x.Text
		}
		return x.TypeName
	case *Hashtable:
		return "System.Collections.Hashtable"
	case *SecureString:
		return x.String()
	case *Credential:
		return x.String()
	case *Formatted:
		return x.Text
	}
	return ""
}

// StringOf is a value as a string inside "..." or as a text argument:
// like display, except that an array's elements are joined by spaces, as
// PowerShell expands "$array".
func StringOf(v any) string {
	if arr, ok := v.([]any); ok {
		parts := make([]string, len(arr))
		for i, e := range arr {
			parts[i] = StringOf(e)
		}
		return strings.Join(parts, " ")
	}
	return Display(v)
}

// Flatten enumerates a value into pipeline items: an array gives its
// elements, $null gives nothing.
func Flatten(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// collapse is the value of a pipeline's output: nothing is $null, one
// item is itself, more are an array.
func collapse(out []any) any {
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

// TypeName is a value's .NET type name, for conversion errors.
func TypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "System.String"
	case bool:
		return "System.Boolean"
	case int64, int:
		return "System.Int32"
	case []any:
		return "System.Object[]"
	case []byte:
		return "System.Byte[]"
	case *Hashtable:
		return "System.Collections.Hashtable"
	case *SecureString:
		return x.String()
	case *Credential:
		return x.String()
	case *Object:
		return x.TypeName
	}
	return "System.Object"
}

func lower(s string) string { return strings.ToLower(s) }
