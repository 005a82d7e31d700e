package config

import "testing"

func TestLoopbackBindings(t *testing.T) {
	t.Parallel()
	ps := DefaultPopSettings("mail.test")
	got := LoopbackBindings(append(ps.SSLBindings, ps.UnencryptedOrTLSBindings...))
	if len(got) != 2 || got[0].String() != "127.0.0.1:995" || got[1].String() != "127.0.0.1:110" {
		t.Fatalf("LoopbackBindings = %v", got)
	}
}
