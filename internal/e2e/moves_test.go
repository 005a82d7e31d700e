package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// moveScript is a python imaplib client driven line by line: the test
// writes a command, the script answers one line.
const moveScript = `
import hashlib, imaplib, re, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
port = int(sys.argv[2])
m = None
def out(*a):
    print(*a, flush=True)
def logon():
    c = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx)
    c.login("alice@mail.test", "secret1")
    return c
for line in sys.stdin:
    cmd = line.split()
    try:
        if cmd[0] == "prepare":
            c = logon()
            c.create("Projects"); c.create("Projects/2026")
            c.append("Projects/2026", "(\\Flagged $Label1)", '"01-Mar-2024 10:00:00 +0000"', b"Subject: plan\r\n\r\nplan\r\n")
            c.append("Projects/2026", None, '"02-Mar-2024 11:30:00 +0100"', b"Subject: budget\r\n\r\nbudget\r\n")
            c.append('"Sent Items"', "(\\Seen)", None, b"Subject: sent\r\n\r\nsent\r\n")
            c.select("INBOX"); c.store("1", "+FLAGS", "(\\Seen \\Answered)")
            c.logout()
            out("ok")
        elif cmd[0] == "snapshot":
            c = logon()
            typ, boxes = c.list()
            h, n, names = hashlib.sha256(), 0, []
            for b in boxes:
                name = b.decode().split(' "/" ')[1]
                names.append(name)
                typ, d = c.select(name, readonly=True)
                if d[0] == b"0":
                    continue
                typ, d = c.fetch("1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
                for x in d:
                    if not isinstance(x, tuple):
                        continue
                    flags = sorted(f for f in re.search(rb"FLAGS \(([^)]*)\)", x[0]).group(1).split() if f != rb"\Recent")
                    date = re.search(rb'INTERNALDATE "([^"]*)"', x[0]).group(1)
                    h.update(name.encode() + b"|" + b" ".join(flags) + b"|" + date + b"|" + x[1] + b"\n")
                    n += 1
            c.logout()
            out("ok", n, h.hexdigest(), ",".join(names).replace(" ", "_"))
        elif cmd[0] == "login":
            m = logon()
            typ, d = m.select("INBOX")
            out("ok", d[0].decode())
        elif cmd[0] == "waitbye":
            m.sock.settimeout(15)
            got = b""
            try:
                while True:
                    l = m.readline()
                    if not l:
                        break
                    got += l
            except Exception as e:
                got += str(e).encode()
            out("closed", got.decode(errors="replace").replace("\r\n", " ").strip() or "-")
    except Exception as e:
        out("error", type(e).__name__, str(e).replace("\n", " "))
`

type moveClient struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Reader
}

func (p *moveClient) do(cmd string) []string {
	p.t.Helper()
	fmt.Fprintln(p.in, cmd)
	line := make(chan string, 1)
	go func() { l, _ := p.out.ReadString('\n'); line <- l }()
	select {
	case l := <-line:
		f := strings.Fields(l)
		if len(f) == 0 || f[0] == "error" {
			p.t.Fatalf("%s: %q", cmd, l)
		}
		return f
	case <-time.After(45 * time.Second):
		p.t.Fatalf("%s: no answer", cmd)
	}
	return nil
}

// TestMailboxMove: `postern mailbox move` moves alice's mailbox (five
// messages in three folders, one a subfolder, with flags and internal
// dates) into a second database of the same server. The python imaplib
// session open on it ends; a new logon sees every message, with its
// bytes, flags and date, in the same folders.
func TestMailboxMove(t *testing.T) {
	need(t, "python3")
	in := serve(t, "")
	in.setup()
	in.setupIMAP()
	in.deliver(2)
	in.cli("", "database", "add", "DB02")

	dir := t.TempDir()
	script := filepath.Join(dir, "client.py")
	os.WriteFile(script, []byte(moveScript), 0o600)
	cmd := command(nil, t, dir, "python3", script, in.ca(), port(in.IMAPS))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	py := &moveClient{t: t, in: stdin, out: bufio.NewReader(stdout)}

	py.do("prepare")
	before := py.do("snapshot")
	if before[1] != "5" {
		t.Fatalf("before the move: %v", before)
	}
	if got := py.do("login"); got[1] != "2" {
		t.Fatalf("login: %v", got)
	}

	out := in.cli("", "mailbox", "move", "alice@mail.test", "DB02")
	if !strings.Contains(out, "alice@mail.test: Completed, Mailbox Database 01 -> DB02") || !strings.Contains(out, "5 of 5 messages") ||
		!strings.Contains(out, "UIDVALIDITY") {
		t.Errorf("mailbox move:\n%s", out)
	}
	if got := py.do("waitbye"); got[0] != "closed" {
		t.Errorf("the session open during the move: %v", got)
	} else {
		t.Logf("the session open during the move ended: %v", got)
	}
	after := py.do("snapshot")
	if strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("after the move a new logon sees\n%v\nbefore it\n%v", after, before)
	}
	if out := in.cli("", "mailbox", "moves"); !strings.Contains(out, "alice@mail.test") || !strings.Contains(out, "Completed") ||
		!strings.Contains(out, "100%") {
		t.Errorf("mailbox moves:\n%s", out)
	}
	if out := in.cli("", "user", "list"); !strings.Contains(out, "DB02") {
		t.Errorf("user list after the move:\n%s", out)
	}
}
