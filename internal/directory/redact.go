package directory

import (
	"net/url"
	"regexp"
	"strings"
)

// redacted replaces a password in a URL or DSN.
const redacted = "xxxxx"

var (
	// passwordParam is a password= setting in a URL's query or a
	// key=value DSN, quoted or not.
	passwordParam = regexp.MustCompile(`(?i)((?:^|[\s&?;])password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s;]+)`)
	// userinfo is the user:password@ of a URL url.Parse refuses.
	userinfo = regexp.MustCompile(`(://[^:/?#@]*:)(.*)@`)
)

// RedactURL returns the directory URL (or DSN) u with any password in it
// replaced by xxxxx: the user information of a URL, a password query
// parameter, and a password=... setting of a key=value DSN. Every log
// line and error that names the directory URL uses it.
func RedactURL(u string) string {
	s := u
	if strings.Contains(s, "://") {
		if p, err := url.Parse(s); err == nil {
			if _, has := p.User.Password(); has {
				p.User = url.UserPassword(p.User.Username(), redacted)
			}
			s = p.String()
		} else {
			s = userinfo.ReplaceAllString(s, "${1}"+redacted+"@")
		}
	}
	return passwordParam.ReplaceAllString(s, "${1}"+redacted)
}
