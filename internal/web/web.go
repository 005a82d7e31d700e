package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
)

//go:embed templates/*.html static/*
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"encryption": encryptionLabel}).ParseFS(assets, "templates/*.html"))

// Accounts is what the handlers need from the directory; the server hands
// its *directory.Directory, so this package does not import the server.
type Accounts interface {
	// Verify checks a name and password as every protocol does.
	Verify(ctx context.Context, name, password string) (directory.User, error)
	// UserByID reloads a signed-in user (its per-mailbox settings may
	// have changed; it may have been removed).
	UserByID(ctx context.Context, id int64) (directory.User, error)
	// AcceptedDomains lists the domains autoconfig and Autodiscover answer
	// for.
	AcceptedDomains(ctx context.Context) ([]string, error)
}

// Options configure a Handler. Zero durations and counts take defaults.
type Options struct {
	// Accounts verifies sign-ins and looks up users and domains.
	Accounts Accounts
	// Published is what the page and the client documents show, read when
	// the service starts.
	Published Published
	// ServerName is the server's FQDN, named in profiles.
	ServerName string
	// Throttle counts failed sign-ins; nil makes one with the defaults.
	Throttle *login.Throttle
	// FailureDelay is how long a failed sign-in waits before its answer
	// (default 1 s, as the mail protocols wait).
	FailureDelay time.Duration
	// SessionIdle ends a session unused this long (default 30 minutes);
	// SessionMax ends any session this old (default 12 hours).
	SessionIdle, SessionMax time.Duration
	// MaxSessions bounds the sessions held (default 10000).
	MaxSessions int
	Logger      *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Throttle == nil {
		o.Throttle = login.NewThrottle(login.ThrottleOptions{})
	}
	if o.FailureDelay == 0 {
		o.FailureDelay = time.Second
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = 30 * time.Minute
	}
	if o.SessionMax <= 0 {
		o.SessionMax = 12 * time.Hour
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Handler serves the web service's pages and documents.
type Handler struct {
	o        Options
	engine   *login.Engine
	sessions *sessions
	mux      *http.ServeMux
}

// New returns a Handler.
func New(o Options) (*Handler, error) {
	if o.Accounts == nil {
		return nil, errors.New("web: Options.Accounts is required")
	}
	o.defaults()
	h := &Handler{o: o, sessions: newSessions(o), mux: http.NewServeMux()}
	h.engine = login.NewEngine(login.Options{Protocol: "Web", Verifier: o.Accounts, FailureDelay: o.FailureDelay, Logger: o.Logger, Throttle: o.Throttle})
	m := h.mux
	m.HandleFunc("GET /{$}", h.home)
	m.HandleFunc("GET /signin", h.signinPage)
	m.HandleFunc("POST /signin", h.signin)
	m.HandleFunc("POST /signout", h.signout)
	m.HandleFunc("GET /profile.mobileconfig", h.profile)
	m.Handle("GET /static/style.css", http.FileServerFS(assets))
	m.HandleFunc("GET /.well-known/autoconfig/mail/config-v1.1.xml", h.autoconfig)
	m.HandleFunc("GET /mail/config-v1.1.xml", h.autoconfig)
	m.HandleFunc("/autodiscover/autodiscover.xml", h.autodiscover)
	m.HandleFunc("/Autodiscover/Autodiscover.xml", h.autodiscover)
	m.HandleFunc("/", h.notFound)
	return h, nil
}

// ServeHTTP sets the security headers on every answer, then routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Strict-Transport-Security", "max-age=31536000")
	hd.Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// render writes a page from the templates.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		h.o.Logger.Error("rendering a page", "page", name, "err", err)
	}
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusNotFound, "notfound.html", nil)
}
