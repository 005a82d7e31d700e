//go:build !unix

package server

import "os"

// flockExclusive is a no-op where flock is not available.
func flockExclusive(*os.File) error { return nil }
