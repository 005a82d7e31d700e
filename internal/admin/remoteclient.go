package admin

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// NewRemoteClient returns a client for a server's remote admin API at
// base ("https://host:port"), authenticating every request as user with
// HTTP Basic. The server's certificate is verified against roots (nil:
// the system's roots) and the host name in base.
func NewRemoteClient(base, user, password string, roots *x509.CertPool) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("--server %q: %v", base, err)
	}
	if u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil || u.RawQuery != "" {
		return nil, errors.New("--server must be https://HOST:PORT: the remote admin API is served over TLS only")
	}
	if user == "" || strings.ContainsAny(user, ":\r\n") {
		return nil, errors.New("--user must be an administrator's address")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 15 * time.Second, ResponseHeaderTimeout: 5 * time.Minute}
	rt := &remoteTransport{base: u, user: user, password: password, next: tr}
	return newClient(&http.Client{Transport: rt, Timeout: 5 * time.Minute}), nil
}

// remoteTransport sends the Client's requests (made for "http://postern")
// to the remote server, with the credentials.
type remoteTransport struct {
	base           *url.URL
	user, password string
	next           http.RoundTripper
}

func (t *remoteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = "https", t.base.Host, t.base.Host
	r.SetBasicAuth(t.user, t.password)
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		// Not wrapped: the Client reports a failed dial on its socket as
		// "no server is running on this data folder", wrong here.
		return nil, fmt.Errorf("cannot reach the admin API at %s: %v", t.base.Host, err)
	}
	return resp, nil
}
