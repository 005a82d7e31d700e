package e2e

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"
)

// TestLogonTiming is issue 12's timing check: over IMAP4, POP3 and SMTP
// submission, 20 logons each as an unknown user, as a built-in account
// with its right password, and as alice with a wrong password. Every one
// is answered the same, and their times cannot be told apart: the medians
// lie within 5 ms and a Mann-Whitney U test finds no difference. Each
// logon comes from an address of its own, so that no throttle penalty
// mixes in.
func TestLogonTiming(t *testing.T) {
	skipIfOverloaded(t)
	in := serve(t, "")
	// SMTP's failure delay is the connector's AuthTarpitInterval (5 s by
	// default); 1 s, as IMAP4's and POP3's, keeps the test short.
	in.cli("", "connector", "set", "Client Frontend MAIL", "AuthTarpitInterval=00:00:01")
	addrs := in.logonAddrs(t)
	in.cli("Builtin-Pw-1\n", "user", "add", "administrator@mail.test")
	roots := in.roots()
	kinds := []struct{ name, user, pass string }{
		{"unknown user", "nobody%d@mail.test", "Some-Pw-1"},
		{"built-in account", "administrator@mail.test", "Builtin-Pw-1"},
		{"wrong password", "alice@mail.test", "wrong%d"},
	}
	const samples = 20
	var wg sync.WaitGroup
	for pi, proto := range []string{"imap", "pop3", "smtp"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The kinds interleaved at random, four at a time.
			type job struct{ kind, n int }
			var jobs []job
			for k := range kinds {
				for n := range samples {
					jobs = append(jobs, job{k, n})
				}
			}
			rand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
			times := make([][]float64, len(kinds))
			var mu sync.Mutex
			sem := make(chan struct{}, 4)
			var pw sync.WaitGroup
			for i, j := range jobs {
				pw.Add(1)
				sem <- struct{}{}
				go func() {
					defer pw.Done()
					defer func() { <-sem }()
					src := fmt.Sprintf("127.0.%d.%d", 3+pi, 1+i)
					c, err := dialLogon(proto, src, addrs[proto], roots)
					if err != nil {
						t.Errorf("%s: %v", proto, err)
						return
					}
					defer c.close()
					k := kinds[j.kind]
					user, pass := k.user, k.pass
					if j.kind == 0 {
						user = fmt.Sprintf(user, j.n)
					}
					if j.kind == 2 {
						pass = fmt.Sprintf(pass, j.n)
					}
					r, line, err := c.logon(user, pass)
					took := time.Since(c.sent)
					if err != nil || r != replyFailed {
						t.Errorf("%s %s: %q %v", proto, k.name, line, err)
						return
					}
					mu.Lock()
					times[j.kind] = append(times[j.kind], float64(took)/float64(time.Millisecond))
					mu.Unlock()
				}()
			}
			pw.Wait()
			for k := range kinds {
				if len(times[k]) != samples {
					return // reported above
				}
			}
			for a := range kinds {
				for b := a + 1; b < len(kinds); b++ {
					ma, mb := median(times[a]), median(times[b])
					z := mannWhitneyZ(times[a], times[b])
					t.Logf("%s: %s median %.1f ms, %s median %.1f ms, Mann-Whitney z = %.2f", proto, kinds[a].name, ma, kinds[b].name, mb, z)
					// A loaded machine moves medians by a few ms at random:
					// more than 5 ms fails when the samples also tell the
					// kinds apart (p < 0.01); more than 20 ms (skipping the
					// password hash would save about 50) fails alone.
					if d := math.Abs(ma - mb); d > 20 || d > 5 && math.Abs(z) > 2.58 {
						t.Errorf("%s: medians %s %.1f ms and %s %.1f ms differ by %.1f ms (z = %.2f)", proto, kinds[a].name, ma, kinds[b].name, mb, d, z)
					}
					if math.Abs(z) > 3.29 { // two-sided p < 0.001
						t.Errorf("%s: %s and %s are told apart by their times (z = %.2f)\n%v\n%v", proto, kinds[a].name, kinds[b].name, z, times[a], times[b])
					}
				}
			}
		}()
	}
	wg.Wait()
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// mannWhitneyZ is the normal approximation of the Mann-Whitney U statistic
// of two samples, ties given their mean rank.
func mannWhitneyZ(a, b []float64) float64 {
	type v struct {
		x     float64
		fromA bool
	}
	all := make([]v, 0, len(a)+len(b))
	for _, x := range a {
		all = append(all, v{x, true})
	}
	for _, x := range b {
		all = append(all, v{x, false})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].x < all[j].x })
	rankA := 0.0
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].x == all[i].x {
			j++
		}
		r := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].fromA {
				rankA += r
			}
		}
		i = j
	}
	n1, n2 := float64(len(a)), float64(len(b))
	u := rankA - n1*(n1+1)/2
	mean := n1 * n2 / 2
	sd := math.Sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
	return (u - mean) / sd
}

// skipIfOverloaded skips a timing comparison on a machine whose run queue
// is over twice its cores: a password hash then takes longer than the
// failure delay that hides it, and the times say more about the load than
// about the server.
func skipIfOverloaded(t *testing.T) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	var load float64
	if _, err := fmt.Sscan(string(b), &load); err == nil && load > 2*float64(runtime.NumCPU()) {
		t.Skipf("load average %.1f on %d cores: logon times would measure the load", load, runtime.NumCPU())
	}
}
