package sqlite

import (
	"testing"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/storetest"
)

// openTest opens a store in a fresh temporary folder, closed at cleanup.
func openTest(t testing.TB, opt Options) *DB {
	t.Helper()
	if opt.Dir == "" {
		opt.Dir = t.TempDir()
	}
	db, err := Open(t.Context(), opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, Options{}) })
}

func TestExpungeHorizon(t *testing.T) {
	storetest.RunExpungeHorizon(t, func(t *testing.T) store.Store { return openTest(t, Options{ExpungeHistory: 5}) }, 5)
}

func TestStructuresConformance(t *testing.T) {
	storetest.RunStructures(t, func(t *testing.T, analyze store.Analyzer, current func([]byte) bool) store.Store {
		return openTest(t, Options{Analyze: analyze, AnalysisCurrent: current})
	})
}
