package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Cookie names. The __Host- prefix makes browsers refuse them unless they
// are Secure, set by this host, with Path=/ and no Domain (RFC 6265bis
// 4.1.3.2), so a sibling host cannot plant a session.
const (
	sessionCookie = "__Host-postern-session"
	// preCookie carries the sign-in form's CSRF token before any session
	// exists (a double-submit token: a cross-site form cannot read it).
	preCookie = "__Host-postern-signin"
)

// session is one signed-in browser.
type session struct {
	id      string
	userID  int64
	csrf    string
	created time.Time
	seen    time.Time
}

// sessions holds the signed-in browsers in memory: a restart of the web
// service signs everyone out, as an iisreset does.
type sessions struct {
	idle, absolute time.Duration
	max, perUser   int
	now            func() time.Time

	mu sync.Mutex
	m  map[string]*session
}

func newSessions(o Options) *sessions {
	return &sessions{idle: o.SessionIdle, absolute: o.SessionMax, max: o.MaxSessions, perUser: maxSessionsPerUser, now: o.Now, m: map[string]*session{}}
}

// maxSessionsPerUser bounds one user's sessions; a new one past it ends the
// oldest.
const maxSessionsPerUser = 16

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// expired reports whether s is past its idle or absolute expiry.
func (ss *sessions) expired(s *session, now time.Time) bool {
	return now.Sub(s.seen) >= ss.idle || now.Sub(s.created) >= ss.absolute
}

// create starts a session for a user; it fails (nil) only when the table
// is full of live sessions.
func (ss *sessions) create(userID int64) *session {
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var mine []*session
	for id, s := range ss.m {
		if ss.expired(s, now) {
			delete(ss.m, id)
		} else if s.userID == userID {
			mine = append(mine, s)
		}
	}
	if len(mine) >= ss.perUser {
		oldest := mine[0]
		for _, s := range mine {
			if s.created.Before(oldest.created) {
				oldest = s
			}
		}
		delete(ss.m, oldest.id)
	}
	if len(ss.m) >= ss.max {
		return nil
	}
	s := &session{id: randomToken(), userID: userID, csrf: randomToken(), created: now, seen: now}
	ss.m[s.id] = s
	c := *s
	return &c
}

// get returns a copy of the live session with this id and refreshes its
// idle expiry.
func (ss *sessions) get(id string) (session, bool) {
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[id]
	if !ok {
		return session{}, false
	}
	if ss.expired(s, now) {
		delete(ss.m, id)
		return session{}, false
	}
	s.seen = now
	return *s, true
}

// remove ends a session.
func (ss *sessions) remove(id string) {
	ss.mu.Lock()
	delete(ss.m, id)
	ss.mu.Unlock()
}

// count returns the number of sessions held (live or not yet swept).
func (ss *sessions) count() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.m)
}

// fromRequest returns the request's live session.
func (ss *sessions) fromRequest(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) > 64 {
		return session{}, false
	}
	return ss.get(c.Value)
}

// setCookie writes a cookie with the flags every cookie here carries:
// Secure, HttpOnly, SameSite=Strict, Path=/, no Domain. A negative maxAge
// deletes it; 0 makes it last for the browser session.
func setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// tokenEqual compares a submitted token with the expected one in constant
// time; an empty expected token never matches.
func tokenEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
