package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"

	"github.com/postern/postern/internal/config"
	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/login"
)

// Texts a browser sees after a failed sign-in. A wrong password, an unknown
// address and a blocked account share one text.
const (
	msgBadCredentials = "The email address or password is incorrect. Try again."
	msgThrottled      = "Too many unsuccessful sign-ins. Wait a few minutes and try again."
	msgTemporary      = "Signing in is not possible right now. Try again later."
	msgExpired        = "Your sign-in page expired. Try again."
)

// maxFormBytes bounds a sign-in or sign-out form; maxField one field.
const (
	maxFormBytes = 4096
	maxField     = 1024
)

// signinData fills signin.html.
type signinData struct {
	CSRF    string
	Address string
	Error   string
}

// home shows the settings to a signed-in user and sends anyone else to the
// sign-in page.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	s, u, ok := h.signedIn(w, r)
	if !ok {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	h.render(w, http.StatusOK, "settings.html", h.settingsView(s, u))
}

// signedIn returns the request's session and its user, reloaded; a session
// whose user is gone is ended.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (session, directory.User, bool) {
	s, ok := h.sessions.fromRequest(r)
	if !ok {
		return session{}, directory.User{}, false
	}
	u, err := h.o.Accounts.UserByID(r.Context(), s.userID)
	if err != nil {
		if !errors.Is(err, directory.ErrNotFound) {
			h.o.Logger.Error("reloading a signed-in user", "err", err)
		}
		h.sessions.remove(s.id)
		setCookie(w, sessionCookie, "", -1)
		return session{}, directory.User{}, false
	}
	return s, u, true
}

// signinPage shows the form with a fresh CSRF token in a pre-session
// cookie.
func (h *Handler) signinPage(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := h.signedIn(w, r); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.showSignin(w, http.StatusOK, "", "")
}

func (h *Handler) showSignin(w http.ResponseWriter, status int, address, msg string) {
	token := randomToken()
	setCookie(w, preCookie, token, 0)
	h.render(w, status, "signin.html", signinData{CSRF: token, Address: address, Error: msg})
}

// signin checks the CSRF token, then the credentials through the logon
// engine and the throttle, and starts a session.
func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.showSignin(w, http.StatusBadRequest, "", msgExpired)
		return
	}
	pre, err := r.Cookie(preCookie)
	if err != nil || !tokenEqual(r.PostForm.Get("csrf"), pre.Value) {
		h.o.Logger.Info("sign-in refused: CSRF token missing or wrong", "remote", r.RemoteAddr)
		h.showSignin(w, http.StatusForbidden, "", msgExpired)
		return
	}
	address, password := r.PostForm.Get("address"), r.PostForm.Get("password")
	if len(address) > maxField || len(password) > maxField {
		h.showSignin(w, http.StatusBadRequest, "", msgBadCredentials)
		return
	}
	u, err := h.verify(r.Context(), remoteIP(r), address, password)
	if err != nil {
		status, msg := http.StatusUnauthorized, msgBadCredentials
		switch {
		case errors.Is(err, login.ErrThrottled):
			status, msg = http.StatusTooManyRequests, msgThrottled
		case !errors.Is(err, login.ErrFailed):
			status, msg = http.StatusServiceUnavailable, msgTemporary
		}
		h.showSignin(w, status, address, msg)
		return
	}
	s := h.sessions.create(u.ID)
	if s == nil {
		h.o.Logger.Warn("sign-in refused: the session table is full")
		h.showSignin(w, http.StatusServiceUnavailable, address, msgTemporary)
		return
	}
	setCookie(w, preCookie, "", -1)
	setCookie(w, sessionCookie, s.id, 0)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// verify runs one sign-in through the throttle and the logon engine (which
// refuses the built-in accounts and tarpits failures). The grant is given
// back at once: a web session holds no protocol connection slot.
func (h *Handler) verify(ctx context.Context, ip netip.Addr, address, password string) (directory.User, error) {
	g, err := h.engine.Login(ctx, h.o.Logger.With("remote", ip.String()), login.Attempt{Source: ip, User: address, Password: password})
	if err != nil {
		return directory.User{}, err
	}
	g.Release()
	return g.User, nil
}

// remoteIP is the client's address (the connection's: no proxy header is
// trusted).
func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}

// signout ends the session after checking its CSRF token.
func (h *Handler) signout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	s, ok := h.sessions.fromRequest(r)
	if !ok {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	if err := r.ParseForm(); err != nil || !tokenEqual(r.PostForm.Get("csrf"), s.csrf) {
		http.Error(w, "The form expired. Reload the page and try again.", http.StatusForbidden)
		return
	}
	h.sessions.remove(s.id)
	setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// protocolView is one protocol's section of the settings page.
type protocolView struct {
	Name    string // POP, IMAP, SMTP
	Entries []config.ConnectionSetting
	// Switch says the protocol has a per-mailbox switch (POP, IMAP; not
	// SMTP), and Enabled where it stands for this mailbox.
	Switch, Enabled bool
}

// settingsView fills settings.html.
type settingsView struct {
	Address     string
	DisplayName string
	CSRF        string
	Protocols   []protocolView
	Profile     bool // an Apple profile can be made
}

func (h *Handler) settingsView(s session, u directory.User) settingsView {
	pop, imap := true, true
	if m, err := config.LoadCASMailbox(u.CAS); err == nil {
		pop, imap = m.PopEnabled, m.ImapEnabled
	} else {
		h.o.Logger.Error("per-mailbox settings unreadable", "user", u.Address(), "err", err)
	}
	p := h.o.Published
	var smtp []config.ConnectionSetting
	if p.SMTP != nil {
		smtp = []config.ConnectionSetting{*p.SMTP}
	}
	return settingsView{
		Address: u.Address(), DisplayName: u.DisplayName, CSRF: s.csrf, Profile: p.hasIncoming(),
		Protocols: []protocolView{
			{Name: "POP", Entries: shown(p.POP), Switch: true, Enabled: pop},
			{Name: "IMAP", Entries: shown(p.IMAP), Switch: true, Enabled: imap},
			{Name: "SMTP", Entries: smtp},
		},
	}
}
