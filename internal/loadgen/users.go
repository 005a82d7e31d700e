package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// User is one account the generator logs in as or delivers to.
type User struct {
	Address  string
	Password string
}

// maxUsers bounds a user list, from a pattern or a file.
const maxUsers = 1_000_000

// ParseUsers reads users from spec. A spec containing "%d" is a pattern
// "local%d@domain:password" expanded for 1..n (the password may contain
// %d too); otherwise spec is a file with one "address:password" per line
// (blank lines and lines starting with # are skipped) and n, if not 0,
// keeps only the first n.
func ParseUsers(spec string, n int) ([]User, error) {
	if n < 0 || n > maxUsers {
		return nil, fmt.Errorf("loadgen: user count %d out of range 0-%d", n, maxUsers)
	}
	if strings.Contains(spec, "%d") {
		if n == 0 {
			return nil, errors.New("loadgen: a user pattern needs a user count")
		}
		addr, pass, ok := strings.Cut(spec, ":")
		if !ok || !strings.Contains(addr, "%d") {
			return nil, fmt.Errorf("loadgen: user pattern %q is not address%%d:password", spec)
		}
		users := make([]User, n)
		for i := range users {
			users[i] = User{
				Address:  strings.ReplaceAll(addr, "%d", fmt.Sprint(i+1)),
				Password: strings.ReplaceAll(pass, "%d", fmt.Sprint(i+1)),
			}
		}
		return users, nil
	}
	f, err := os.Open(spec)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var users []User
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		addr, pass, ok := strings.Cut(l, ":")
		if !ok || addr == "" {
			return nil, fmt.Errorf("loadgen: %s: line %q is not address:password", spec, l)
		}
		users = append(users, User{Address: addr, Password: pass})
		if len(users) == maxUsers || (n > 0 && len(users) == n) {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("loadgen: no users in %s", spec)
	}
	if n > 0 && len(users) < n {
		return nil, fmt.Errorf("loadgen: %s has %d users, %d asked", spec, len(users), n)
	}
	return users, nil
}

// userFor returns the user of client i (of n clients) for its k-th
// operation. With at least as many users as clients, each client owns the
// users whose index is i modulo n, so no two clients open the same
// mailbox at once (POP3 servers may lock a maildrop per session, RFC 1939
// §8); with fewer users, clients share them.
func userFor(users []User, i, n int, k int64) User {
	if len(users) < n {
		return users[i%len(users)]
	}
	owned := (len(users) - i + n - 1) / n // users i, i+n, i+2n, ... below len
	return users[i+int(k%int64(owned))*n]
}
