package testkit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"time"
)

// loopbackWeb moves the web service to a free port on 127.0.0.1.
func (s *Server) loopbackWeb() {
	s.t.Helper()
	if _, err := s.SetWeb(context.Background(), map[string]string{"Bindings": FreeLoopbackAddr(s.t)}); err != nil {
		s.t.Fatal(err)
	}
	s.RestartWeb()
}

// RestartWeb restarts the web service (it reads what it shows when it
// starts) and records its address.
func (s *Server) RestartWeb() {
	s.t.Helper()
	ctx := context.Background()
	if err := s.RestartService(ctx, "web"); err != nil {
		s.t.Fatal(err)
	}
	st, err := s.Service(ctx, "web")
	if err != nil || len(st.Listeners) == 0 {
		s.t.Fatalf("web service not listening: %+v %v", st, err)
	}
	s.Web = st.Listeners[0]
}

// WebClient returns an HTTPS client that trusts the server's certificate
// and sends SNI mail.test, without a cookie jar or redirects followed.
func (s *Server) WebClient() *http.Client {
	s.t.Helper()
	pem, err := os.ReadFile(s.CertificatePath())
	if err != nil {
		s.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: FQDN}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
