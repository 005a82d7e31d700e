package shell

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestQueueCmdlets covers Get-Queue, Get-Message, Retry-Queue and
// Remove-Message over a real server's queue (loopback-only: the
// messages stay queued).
func TestQueueCmdlets(t *testing.T) {
	t.Parallel()
	s := newTestShell(t, nil)
	server := s.ts.Name()
	msg := "Subject: q\r\n\r\nbody\r\n"
	var ids []int64
	for _, to := range []string{"x@remote.test", "y@other.test"} {
		id, err := s.ts.Queue().Enqueue(context.Background(), "alice@mail.test", []string{to}, strings.NewReader(msg), int64(len(msg)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	out := s.ok(`Get-Queue`)
	for _, want := range []string{server + `\remote.test`, server + `\other.test`, "MessageCount"} {
		if !strings.Contains(out, want) {
			t.Errorf("Get-Queue lacks %q:\n%s", want, out)
		}
	}
	out = s.ok(`Get-Message -Queue "*\remote.test" | Format-List`)
	if !strings.Contains(out, "x@remote.test") || strings.Contains(out, "y@other.test") || !strings.Contains(out, "alice@mail.test") {
		t.Errorf("Get-Message -Queue:\n%s", out)
	}
	s.ok(`Retry-Queue "` + server + `\remote.test"`)
	s.fail(`Retry-Queue nowhere.test`, "couldn't be found")
	s.fail(fmt.Sprintf(`Remove-Message %d -WithNDR $true`, ids[0]), "not supported")
	s.ok(fmt.Sprintf(`Remove-Message "%s\remote.test\%d" -Confirm:$false`, server, ids[0]))
	out = s.ok(`Get-Message`)
	if strings.Contains(out, "remote.test") || !strings.Contains(out, "other.test") {
		t.Errorf("after Remove-Message:\n%s", out)
	}
	s.fail(fmt.Sprintf(`Get-Message %d`, ids[0]), "couldn't be found")
}
