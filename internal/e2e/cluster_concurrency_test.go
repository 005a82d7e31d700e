package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// concFolders are the folders the concurrent sessions work in.
var concFolders = []string{"INBOX", "Work", "Archive", "Lists"}

// concKeyword is the keyword the sessions set and clear.
const concKeyword = goimap.Flag("$Conc")

// concDuration is how long each concurrent session runs:
// POSTERN_CONC_DURATION (a Go duration) when set, 10 s with -short, else
// 60 s.
func concDuration(t *testing.T) time.Duration {
	if v := os.Getenv("POSTERN_CONC_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("POSTERN_CONC_DURATION=%q: %v", v, err)
		}
		return d
	}
	if testing.Short() {
		return 10 * time.Second
	}
	return 60 * time.Second
}

// concModel is what all sessions together were shown: per folder its
// UIDVALIDITY, the Message-Id each UID was shown with, the highest UID
// any answer has shown so far, and the UIDs expunged or moved away.
type concModel struct {
	mu         sync.Mutex
	validity   map[string]uint32
	bind       map[string]map[goimap.UID]string
	maxSeen    map[string]goimap.UID
	gone       map[string]map[goimap.UID]bool
	violations []string
}

func newConcModel() *concModel {
	m := &concModel{validity: map[string]uint32{}, bind: map[string]map[goimap.UID]string{},
		maxSeen: map[string]goimap.UID{}, gone: map[string]map[goimap.UID]bool{}}
	for _, f := range concFolders {
		m.bind[f] = map[goimap.UID]string{}
		m.gone[f] = map[goimap.UID]bool{}
	}
	return m
}

func (m *concModel) violate(format string, a ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.violations = append(m.violations, fmt.Sprintf(format, a...))
}

// checkValidity records a folder's UIDVALIDITY, which must not change.
func (m *concModel) checkValidity(who, folder string, v uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.validity[folder]; ok && old != v {
		m.violations = append(m.violations, fmt.Sprintf("%s: %s UIDVALIDITY %d, earlier %d", who, folder, v, old))
	}
	m.validity[folder] = v
}

// snapshot is the highest UID shown in folder before a command is sent.
func (m *concModel) snapshot(folder string) goimap.UID {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxSeen[folder]
}

// fresh records a UID the server has just assigned (APPENDUID, COPYUID):
// it must be above every UID shown in the folder before the command was
// sent, and bound to no other message. (Another session may already have
// fetched and even expunged it before this one reads the answer.)
func (m *concModel) fresh(who, folder string, before goimap.UID, uid goimap.UID, mid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if uid <= before {
		m.violations = append(m.violations, fmt.Sprintf("%s: %s assigned UID %d (%s), but UID %d had been shown before the command", who, folder, uid, mid, before))
	}
	if old, ok := m.bind[folder][uid]; ok && old != mid {
		m.violations = append(m.violations, fmt.Sprintf("%s: %s UID %d reused: now %s, earlier %s", who, folder, uid, mid, old))
	}
	if mid != "" {
		m.bind[folder][uid] = mid
	}
	m.maxSeen[folder] = max(m.maxSeen[folder], uid)
}

// seen records a UID a FETCH showed with a Message-Id.
func (m *concModel) seen(who, folder string, uid goimap.UID, mid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.bind[folder][uid]; ok && old != mid {
		m.violations = append(m.violations, fmt.Sprintf("%s: %s UID %d shown as %s, earlier as %s", who, folder, uid, mid, old))
	}
	m.bind[folder][uid] = mid
	m.maxSeen[folder] = max(m.maxSeen[folder], uid)
}

func (m *concModel) midOf(folder string, uid goimap.UID) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bind[folder][uid]
}

func (m *concModel) markGone(folder string, uids []goimap.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range uids {
		m.gone[folder][u] = true
	}
}

// concSession is one IMAP session of the run.
type concSession struct {
	t     *testing.T
	name  string
	c     *imapclient.Client
	m     *concModel
	rnd   *rand.Rand
	cur   string
	known map[goimap.UID]bool // UIDs of cur this session knows of
	// myGone are the UIDs this session itself expunged or moved away,
	// which its own later FETCHes must never show.
	myGone     map[string]map[goimap.UID]bool
	ops        map[string]int
	expectedNO int
	errs       []string
	seq        int
}

func dialConc(t *testing.T, addr, ca, serverName string) *imapclient.Client {
	t.Helper()
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", ca)
	}
	c, err := imapclient.DialTLS(addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool, ServerName: serverName}})
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	if err := c.Login("alice@mail.test", "secret1").Wait(); err != nil {
		c.Close()
		t.Fatalf("login at %s: %v", addr, err)
	}
	return c
}

// fail records an error answer; it reports whether the session can go on.
// A NO [EXPUNGEISSUED] is expected when another session expunged a
// message this one named.
func (s *concSession) fail(op string, err error) bool {
	var ie *goimap.Error
	if errors.As(err, &ie) && ie.Type == goimap.StatusResponseTypeNo && ie.Code == "EXPUNGEISSUED" {
		s.expectedNO++
		return true
	}
	s.errs = append(s.errs, fmt.Sprintf("%s %s in %s: %v", s.name, op, s.cur, err))
	return errors.As(err, &ie) // a tagged NO/BAD leaves the connection usable
}

func (s *concSession) selectFolder(f string) bool {
	sd, err := s.c.Select(f, nil).Wait()
	if err != nil {
		return s.fail("SELECT "+f, err)
	}
	s.m.checkValidity(s.name, f, sd.UIDValidity)
	s.cur = f
	s.known = map[goimap.UID]bool{}
	return s.fetchAll()
}

// fetchAll runs UID FETCH 1:* (UID FLAGS ENVELOPE) in the selected folder.
func (s *concSession) fetchAll() bool {
	_, ok := s.fetch()
	return ok
}

func (s *concSession) fetch() ([]*imapclient.FetchMessageBuffer, bool) {
	msgs, err := s.c.Fetch(goimap.UIDSet{goimap.UIDRange{Start: 1, Stop: 0}}, &goimap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
	if err != nil {
		return nil, s.fail("UID FETCH", err)
	}
	s.known = map[goimap.UID]bool{}
	for i, msg := range msgs {
		// Messages expunged elsewhere may be left out, so sequence
		// numbers may skip, but they rise with the UIDs.
		if i > 0 && (msg.SeqNum <= msgs[i-1].SeqNum || msg.UID <= msgs[i-1].UID) {
			s.m.violate("%s: UID FETCH 1:* in %s: message %d UID %d after message %d UID %d", s.name, s.cur, msg.SeqNum, msg.UID, msgs[i-1].SeqNum, msgs[i-1].UID)
		}
		mid := ""
		if msg.Envelope != nil {
			mid = strings.Trim(msg.Envelope.MessageID, "<>")
		}
		s.m.seen(s.name, s.cur, msg.UID, mid)
		if s.myGone[s.cur][msg.UID] {
			s.m.violate("%s: UID FETCH in %s shows UID %d (%s), which this session expunged or moved away", s.name, s.cur, msg.UID, mid)
		}
		s.known[msg.UID] = true
	}
	return msgs, true
}

// pick returns up to n UIDs of the selected folder this session knows of.
func (s *concSession) pick(n int) []goimap.UID {
	var all []goimap.UID
	for u := range s.known {
		all = append(all, u)
	}
	slices.Sort(all)
	s.rnd.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	if len(all) > n {
		all = all[:n]
	}
	return all
}

func (s *concSession) randomFlags() []goimap.Flag {
	all := []goimap.Flag{goimap.FlagSeen, goimap.FlagFlagged, concKeyword}
	var out []goimap.Flag
	for _, f := range all {
		if s.rnd.Intn(2) == 0 {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		out = append(out, all[s.rnd.Intn(len(all))])
	}
	return out
}

func (s *concSession) appendTo(folder string) bool {
	s.seq++
	mid := fmt.Sprintf("%s-%d@conc.test", s.name, s.seq)
	msg := fmt.Sprintf("Message-Id: <%s>\r\nFrom: %s@conc.test\r\nTo: alice@mail.test\r\nSubject: %s\r\nDate: %s\r\n\r\nbody of %s\r\n",
		mid, s.name, mid, time.Now().Format(time.RFC1123Z), mid)
	var flags []goimap.Flag
	if s.rnd.Intn(3) == 0 {
		flags = s.randomFlags()
	}
	before := s.m.snapshot(folder)
	cmd := s.c.Append(folder, int64(len(msg)), &goimap.AppendOptions{Flags: flags})
	cmd.Write([]byte(msg))
	cmd.Close()
	ad, err := cmd.Wait()
	if err != nil {
		return s.fail("APPEND "+folder, err)
	}
	if ad.UID == 0 {
		s.m.violate("%s: APPEND to %s without APPENDUID", s.name, folder)
		return true
	}
	s.m.checkValidity(s.name, folder, ad.UIDValidity)
	s.m.fresh(s.name, folder, before, ad.UID, mid)
	if folder == s.cur {
		s.known[ad.UID] = true
	}
	return true
}

func (s *concSession) store() bool {
	uids := s.pick(1 + s.rnd.Intn(3))
	if len(uids) == 0 {
		return true
	}
	op := goimap.StoreFlagsAdd
	if s.rnd.Intn(2) == 0 {
		op = goimap.StoreFlagsDel
	}
	flags := s.randomFlags()
	msgs, err := s.c.Store(goimap.UIDSetNum(uids...), &goimap.StoreFlags{Op: op, Silent: s.rnd.Intn(2) == 0, Flags: flags}, nil).Collect()
	if err != nil {
		return s.fail("UID STORE", err)
	}
	// The FETCH answers of a non-silent STORE show the flags it set or
	// cleared (a silent one may still show another session's changes).
	for _, msg := range msgs {
		if msg.UID == 0 || !slices.Contains(uids, msg.UID) {
			continue
		}
		for _, f := range flags {
			if has := slices.Contains(msg.Flags, f); has != (op == goimap.StoreFlagsAdd) {
				s.m.violate("%s: UID STORE %v %v in %s answered UID %d FLAGS %v", s.name, uids, op, s.cur, msg.UID, msg.Flags)
				break
			}
		}
	}
	return true
}

// expunge sets \Deleted on a few messages (nobody ever clears it), then
// expunges them with UID EXPUNGE or EXPUNGE: afterwards none of them may
// exist any more.
func (s *concSession) expunge() bool {
	uids := s.pick(1 + s.rnd.Intn(2))
	if len(uids) == 0 {
		return true
	}
	set := goimap.UIDSetNum(uids...)
	if err := s.c.Store(set, &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Silent: true, Flags: []goimap.Flag{goimap.FlagDeleted}}, nil).Close(); err != nil {
		return s.fail("UID STORE +FLAGS \\Deleted", err)
	}
	var err error
	if s.rnd.Intn(2) == 0 {
		err = s.c.UIDExpunge(set).Close()
	} else {
		err = s.c.Expunge().Close()
	}
	if err != nil {
		return s.fail("EXPUNGE", err)
	}
	s.gone(s.cur, uids)
	return true
}

func (s *concSession) gone(folder string, uids []goimap.UID) {
	s.m.markGone(folder, uids)
	for _, u := range uids {
		s.myGone[folder][u] = true
		delete(s.known, u)
	}
}

func (s *concSession) move() bool {
	uids := s.pick(1 + s.rnd.Intn(3))
	if len(uids) == 0 {
		return true
	}
	dest := s.other()
	before := s.m.snapshot(dest)
	md, err := s.c.Move(goimap.UIDSetNum(uids...), dest).Wait()
	if err != nil {
		return s.fail("UID MOVE to "+dest, err)
	}
	if md.SourceUIDs == nil {
		// Nothing of the set was left to move.
		s.gone(s.cur, uids)
		return true
	}
	src, _ := md.SourceUIDs.(goimap.UIDSet).Nums()
	dst, _ := md.DestUIDs.(goimap.UIDSet).Nums()
	if len(src) != len(dst) {
		s.m.violate("%s: MOVE COPYUID %v -> %v", s.name, md.SourceUIDs, md.DestUIDs)
		return true
	}
	s.m.checkValidity(s.name, dest, md.UIDValidity)
	for i := range src {
		if !slices.Contains(uids, src[i]) {
			s.m.violate("%s: MOVE of %v answered COPYUID for UID %d", s.name, uids, src[i])
		}
		s.m.fresh(s.name, dest, before, dst[i], s.m.midOf(s.cur, src[i]))
	}
	s.gone(s.cur, uids)
	return true
}

func (s *concSession) other() string {
	for {
		f := concFolders[s.rnd.Intn(len(concFolders))]
		if f != s.cur {
			return f
		}
	}
}

// step runs one random operation; it reports whether the session goes on.
func (s *concSession) step() bool {
	r := s.rnd.Intn(100)
	var name string
	var ok bool
	switch {
	case r < 22:
		name = "APPEND"
		f := s.cur
		if s.rnd.Intn(2) == 0 {
			f = s.other()
		}
		ok = s.appendTo(f)
	case r < 44:
		name = "UID STORE"
		ok = s.store()
	case r < 54:
		name = "EXPUNGE"
		ok = s.expunge()
	case r < 66:
		name = "UID MOVE"
		ok = s.move()
	case r < 74:
		name = "NOOP"
		if err := s.c.Noop().Wait(); err != nil {
			ok = s.fail("NOOP", err)
		} else {
			ok = true
		}
	case r < 92:
		name = "UID FETCH"
		ok = s.fetchAll()
	default:
		name = "SELECT"
		ok = s.selectFolder(s.other())
	}
	s.ops[name]++
	return ok
}

// folderState is a folder as one session sees it: "uid mid flags" lines.
func concFolderState(s *concSession, folder string) ([]string, error) {
	if _, err := s.c.Select(folder, nil).Wait(); err != nil {
		return nil, err
	}
	s.cur = folder
	return concSelectedState(s)
}

// concSelectedState is the selected folder as the session's view has it.
func concSelectedState(s *concSession) ([]string, error) {
	msgs, err := s.c.Fetch(goimap.UIDSet{goimap.UIDRange{Start: 1, Stop: 0}}, &goimap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
	if err != nil {
		return nil, err
	}
	var out []string
	for i, msg := range msgs {
		if msg.SeqNum != uint32(i+1) {
			return nil, fmt.Errorf("UID FETCH 1:* answered message %d UID %d as the %dth", msg.SeqNum, msg.UID, i+1)
		}
		var fl []string
		for _, f := range msg.Flags {
			if f != `\Recent` {
				fl = append(fl, string(f))
			}
		}
		sort.Strings(fl)
		mid := ""
		if msg.Envelope != nil {
			mid = strings.Trim(msg.Envelope.MessageID, "<>")
		}
		out = append(out, fmt.Sprintf("%d %s %s", msg.UID, mid, strings.Join(fl, ",")))
	}
	return out, nil
}

// TestClusterConcurrency runs eight IMAP sessions at once through A's
// proxy to a mailbox active on B, each doing random APPEND, UID STORE,
// EXPUNGE, UID MOVE, NOOP, UID FETCH and SELECT for concDuration, and
// checks that no UID is ever reused, that every session and fresh ones on
// A and on B agree on every folder at the end (as does a ninth session that
// spent the run in IDLE), that no session got a NO or BAD other than
// [EXPUNGEISSUED], and that neither server panicked or logged an ERROR.
// POSTERN_CONC_SEED replays a run's random choices (the timing differs).
func TestClusterConcurrency(t *testing.T) {
	const sessions = 8
	dur := concDuration(t)
	seed := time.Now().UnixNano()
	if v := os.Getenv("POSTERN_CONC_SEED"); v != "" {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	t.Logf("%d sessions for %s, POSTERN_CONC_SEED=%d", sessions, dur, seed)

	srv := startClusterAt(t, 2, 31)
	a, b := srv[0], srv[1]
	a.cli("", "database", "add", "DB02", "--server", "SRVB")
	a.cli("secret1\n", "user", "add", "alice@mail.test", "--database", "DB02")
	activeOn(t, a, "DB02", "SRVB", 20*time.Second)

	m := newConcModel()
	setup := &concSession{t: t, name: "setup", c: dialConc(t, a.ip+":993", a.ca(), a.fqdn), m: m,
		rnd: rand.New(rand.NewSource(seed)), myGone: map[string]map[goimap.UID]bool{}, ops: map[string]int{}}
	for _, f := range concFolders {
		setup.myGone[f] = map[goimap.UID]bool{}
		if f != "INBOX" {
			if err := setup.c.Create(f, nil).Wait(); err != nil {
				t.Fatalf("CREATE %s: %v", f, err)
			}
		}
	}
	for _, f := range concFolders {
		for i := 0; i < 3; i++ {
			setup.appendTo(f)
		}
	}
	if len(setup.errs) > 0 || len(m.violations) > 0 {
		t.Fatalf("setup: %v %v", setup.errs, m.violations)
	}
	setup.c.Logout().Wait()
	setup.c.Close()

	ss := make([]*concSession, sessions)
	for i := range ss {
		s := &concSession{t: t, name: fmt.Sprintf("s%d", i), c: dialConc(t, a.ip+":993", a.ca(), a.fqdn), m: m,
			rnd: rand.New(rand.NewSource(seed + int64(i))), myGone: map[string]map[goimap.UID]bool{}, ops: map[string]int{}}
		for _, f := range concFolders {
			s.myGone[f] = map[goimap.UID]bool{}
		}
		t.Cleanup(func() { s.c.Close() })
		ss[i] = s
	}

	// A ninth session sits in IDLE on INBOX through the whole run: the
	// EXISTS and EXPUNGE responses pushed to it must add up to the folder
	// at the end.
	watcher := &concSession{name: "idle", c: dialConc(t, a.ip+":993", a.ca(), a.fqdn)}
	t.Cleanup(func() { watcher.c.Close() })
	if _, err := watcher.c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	watcher.cur = "INBOX"
	idle, err := watcher.c.Idle()
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !s.selectFolder(concFolders[s.rnd.Intn(len(concFolders))]) {
				return
			}
			for time.Since(start) < dur {
				if !s.step() {
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(dur + 90*time.Second):
		for _, s := range ss {
			s.c.Close()
		}
		<-done
		t.Errorf("the sessions were still running %s after the end of the run", 90*time.Second)
	}
	elapsed := time.Since(start)

	total, expectedNO := 0, 0
	perOp := map[string]int{}
	for _, s := range ss {
		for k, v := range s.ops {
			perOp[k] += v
			total += v
		}
		expectedNO += s.expectedNO
		for _, e := range s.errs {
			t.Errorf("protocol error: %s", e)
		}
	}
	t.Logf("%d operations in %s: %.0f ops/s through the proxy; %v; %d expected NO [EXPUNGEISSUED]",
		total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), perOp, expectedNO)

	// (b) Everyone agrees at the end: each session after a NOOP, a fresh
	// session through A, and a fresh session straight on B.
	// How many messages the EXISTS and EXPUNGE responses leave in each
	// session's selected folder, read before any other command.
	counted := map[*concSession]uint32{}
	for _, s := range ss {
		if err := s.c.Noop().Wait(); err != nil {
			t.Errorf("%s: final NOOP: %v", s.name, err)
		}
		if mb := s.c.Mailbox(); mb != nil {
			counted[s] = mb.NumMessages
		}
	}
	if err := idle.Close(); err != nil {
		t.Errorf("IDLE DONE: %v", err)
	} else if err := idle.Wait(); err != nil {
		t.Errorf("IDLE: %v", err)
	}
	if mb := watcher.c.Mailbox(); mb != nil {
		counted[watcher] = mb.NumMessages
	}
	fa := &concSession{name: "fresh-A", c: dialConc(t, a.ip+":993", a.ca(), a.fqdn)}
	fb := &concSession{name: "fresh-B", c: dialConc(t, b.ip+":993", b.ca(), b.fqdn)}
	defer fa.c.Close()
	defer fb.c.Close()
	want := map[string][]string{}
	where := map[string]string{} // Message-Id -> folder/UID at the end
	for _, f := range concFolders {
		st, err := concFolderState(fa, f)
		if err != nil {
			t.Fatalf("fresh session on A, %s: %v", f, err)
		}
		want[f] = st
		t.Logf("%s: %d messages", f, len(st))
		m.mu.Lock()
		for _, line := range st {
			var uid goimap.UID
			var mid string
			fmt.Sscan(line, &uid, &mid)
			if w, dup := where[mid]; dup {
				m.violations = append(m.violations, fmt.Sprintf("%s is both %s and %s/%d at the end", mid, w, f, uid))
			}
			where[mid] = fmt.Sprintf("%s/%d", f, uid)
			if m.gone[f][uid] {
				m.violations = append(m.violations, fmt.Sprintf("%s UID %d (%s) is there at the end, but was expunged or moved away", f, uid, mid))
			}
			if old, ok := m.bind[f][uid]; ok && old != mid {
				m.violations = append(m.violations, fmt.Sprintf("%s UID %d is %s at the end, earlier %s", f, uid, mid, old))
			}
		}
		m.mu.Unlock()
	}
	// Each session's view of the folder it had selected, brought up to
	// date by the NOOP alone (the watcher's by IDLE), then every folder
	// selected afresh.
	for _, s := range append([]*concSession{watcher}, ss...) {
		st, err := concSelectedState(s)
		if err != nil {
			t.Errorf("%s: final state of %s without a new SELECT: %v", s.name, s.cur, err)
		} else if n, ok := counted[s]; !ok || int(n) != len(st) {
			t.Errorf("%s: the EXISTS and EXPUNGE responses leave %d messages in %s, which has %d", s.name, n, s.cur, len(st))
		} else if !slices.Equal(st, want[s.cur]) {
			t.Errorf("%s after NOOP sees %s as\n  %s\nthe fresh session on A as\n  %s", s.name, s.cur, strings.Join(st, "\n  "), strings.Join(want[s.cur], "\n  "))
		}
	}
	for _, s := range append([]*concSession{fb}, ss...) {
		for _, f := range concFolders {
			st, err := concFolderState(s, f)
			if err != nil {
				t.Errorf("%s: final state of %s: %v", s.name, f, err)
				continue
			}
			if !slices.Equal(st, want[f]) {
				t.Errorf("%s sees %s as\n  %s\nthe fresh session on A as\n  %s", s.name, f, strings.Join(st, "\n  "), strings.Join(want[f], "\n  "))
			}
		}
	}
	for _, v := range m.violations {
		t.Errorf("UID violation: %s", v)
	}

	// (d) No panic in either server's log.
	for _, s := range ss {
		s.c.Logout().Wait()
	}
	for _, s := range srv {
		s.stop()
		log := s.log.String()
		if strings.Contains(log, "panic") || strings.Contains(log, "DATA RACE") {
			t.Errorf("%s log has a panic:\n%s", s.name, log)
		}
		for _, l := range strings.Split(log, "\n") {
			// A service this test does not use (web, smtp) may find
			// its port taken by another test's server on a busy machine.
			unused := strings.Contains(l, `msg="service failed to start"`) &&
				(strings.Contains(l, "service=web") || strings.Contains(l, "service=smtp") || strings.Contains(l, "service=transport"))
			if strings.Contains(l, "level=ERROR") && !unused {
				t.Errorf("%s: %s", s.name, l)
			} else if strings.Contains(l, "level=WARN") {
				t.Logf("%s: %s", s.name, l)
			}
		}
	}
}
