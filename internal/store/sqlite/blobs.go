package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/postern/postern/internal/durable"
	"github.com/postern/postern/internal/store"
)

// tmpDir is the subdirectory of blobs/ where bodies are written before
// they are named; everything in it is stale at Open.
const tmpDir = "tmp"

// blobStore owns blobs/: immutable files named by the hex SHA-256 of their
// bytes, fanned out by the first two hex digits, plus the in-memory pins
// that keep the writer from unlinking a blob a caller is about to
// reference. See the package comment for the invariants.
type blobStore struct {
	dir     string
	maxSize int64
	analyze store.Analyzer // nil: no analysis

	mu       sync.Mutex
	pins     map[string]int      // hash → callers holding it
	suspects map[string]struct{} // released without a commit: maybe orphans
	// holds counts the backups under way: while there is one, no blob is
	// unlinked; the blobs found unreferenced meanwhile become suspects,
	// checked again after the last hold is given back.
	holds    int
	deferred []string
}

// blobRef is a stored, pinned body.
type blobRef struct {
	hash      string
	size      int64
	structure []byte // the analyser's result, if there is an analyser
}

// openBlobs creates blobs/, blobs/tmp and the 256 fan-out directories, and
// makes those entries durable, so that a blob write never has to.
func openBlobs(dir string, maxSize int64) (*blobStore, error) {
	bs := &blobStore{dir: dir, maxSize: maxSize, pins: map[string]int{}, suspects: map[string]struct{}{}}
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o700); err != nil {
		return nil, errTemp("create blob dir", err)
	}
	for i := range 256 {
		if err := os.Mkdir(filepath.Join(dir, fmt.Sprintf("%02x", i)), 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, errTemp("create blob dir", err)
		}
	}
	if err := durable.SyncDir(dir); err != nil {
		return nil, errTemp("sync blob dir", err)
	}
	return bs, nil
}

func (bs *blobStore) path(hash string) string {
	return filepath.Join(bs.dir, hash[:2], hash)
}

// put streams r into a blob and returns it pinned: the caller must hand the
// pin to an item, or give it back with release. On return the blob's bytes
// are durable; its directory entry is made durable by the writer, before
// the commit of the item that holds the pin.
func (bs *blobStore) put(ctx context.Context, r io.Reader) (blobRef, error) {
	if err := ctx.Err(); err != nil {
		return blobRef{}, err
	}
	tmp, ref, err := bs.writeTemp(r)
	if err != nil {
		return blobRef{}, err
	}
	if err := ctx.Err(); err != nil {
		os.Remove(tmp)
		return blobRef{}, err
	}
	bs.pin(ref.hash)
	if err := bs.name(tmp, ref.hash); err != nil {
		os.Remove(tmp)
		bs.release(ref.hash)
		return blobRef{}, err
	}
	return ref, nil
}

// writeTemp copies r into a synced temporary file, hashing on the way.
func (bs *blobStore) writeTemp(r io.Reader) (tmp string, ref blobRef, err error) {
	f, err := os.CreateTemp(filepath.Join(bs.dir, tmpDir), "in-")
	if err != nil {
		return "", blobRef{}, errTemp("create temp blob", err)
	}
	tmp = f.Name()
	fail := func(e error) (string, blobRef, error) {
		f.Close()
		os.Remove(tmp)
		return "", blobRef{}, e
	}
	src := r
	if bs.maxSize > 0 {
		src = io.LimitReader(r, bs.maxSize+1)
	}
	h := sha256.New()
	sinks := []io.Writer{f, h}
	var analysis <-chan analysisResult
	if bs.analyze != nil {
		pw, ch := startAnalysis(bs.analyze)
		sinks, analysis = append(sinks, pw), ch
		defer pw.Close()
	}
	n, err := io.CopyBuffer(io.MultiWriter(sinks...), src, make([]byte, 64<<10))
	if err != nil {
		return fail(errTemp("write blob", err))
	}
	var structure []byte
	if analysis != nil {
		sinks[2].(*io.PipeWriter).Close()
		res := <-analysis
		if res.err != nil {
			return fail(errTemp("analyse message", res.err))
		}
		structure = res.data
	}
	if bs.maxSize > 0 && n > bs.maxSize {
		return fail(fmt.Errorf("sqlite: message larger than %d bytes: %w", bs.maxSize, store.ErrTooBig))
	}
	if err := f.Sync(); err != nil {
		return fail(errTemp("sync blob", err))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", blobRef{}, errTemp("close blob", err)
	}
	return tmp, blobRef{hash: hex.EncodeToString(h.Sum(nil)), size: n, structure: structure}, nil
}

type analysisResult struct {
	data []byte
	err  error
}

// startAnalysis runs the analyser on the bytes written to the returned
// pipe, concurrently with the blob write; it drains what the analyser does
// not read, so the writer never blocks.
func startAnalysis(analyze store.Analyzer) (*io.PipeWriter, <-chan analysisResult) {
	pr, pw := io.Pipe()
	ch := make(chan analysisResult, 1)
	go func() {
		data, err := analyze(pr)
		io.Copy(io.Discard, pr)
		ch <- analysisResult{data, err}
	}()
	return pw, ch
}

// name gives the synced temporary file its final name, unless a blob with
// those bytes already exists. The fan-out directory is not synced here:
// the writer syncs the directories of a batch's blobs together, before the
// commit that references them (syncDirs). The caller holds a pin on hash,
// so the existing blob cannot be unlinked between the check and the commit.
func (bs *blobStore) name(tmp, hash string) error {
	target := bs.path(hash)
	switch _, err := os.Lstat(target); {
	case err == nil:
		os.Remove(tmp)
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Rename(tmp, target); err != nil {
			return errTemp("rename blob", err)
		}
	default:
		return errTemp("stat blob", err)
	}
	return nil
}

// syncDirs fsyncs the fan-out directories of hashes, each once and
// concurrently, so that the names of a batch's blobs are durable before
// the commit that references them. The sync covers a blob that already
// existed too: its own writer may not have synced its directory yet.
// Concurrent directory syncs share the file system's journal commits, so
// a batch pays about one sync where one per blob used to be paid by each
// deliverer.
func (bs *blobStore) syncDirs(hashes []string) error {
	dirs := map[string]struct{}{}
	for _, h := range hashes {
		dirs[filepath.Dir(bs.path(h))] = struct{}{}
	}
	errs := make(chan error, len(dirs))
	for d := range dirs {
		go func() { errs <- durable.SyncDir(d) }()
	}
	var first error
	for range dirs {
		if err := <-errs; err != nil && first == nil {
			first = errTemp("sync blob dir", err)
		}
	}
	return first
}

// open opens a blob for reading; a missing blob is the message's expunge
// having won the race.
// openChecked opens a message's file and checks that it is a file of the
// size stored: one that is not is damaged (store.ErrDamaged, naming the
// file). A missing file is fs.ErrNotExist, for the caller to tell an
// expunge from damage; one that cannot be opened is a temporary failure
// naming the file and the reason.
func (bs *blobStore) openChecked(hash string, size int64) (*os.File, error) {
	path := bs.path(hash)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, errTemp("open message file "+path, err)
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, errTemp("stat message file "+path, err)
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, fmt.Errorf("file %s is not a regular file: %w", path, store.ErrDamaged)
	case fi.Size() != size:
		f.Close()
		return nil, fmt.Errorf("file %s holds %d bytes, %d were stored: %w", path, fi.Size(), size, store.ErrDamaged)
	}
	return f, nil
}

func (bs *blobStore) pin(hash string) {
	bs.mu.Lock()
	bs.pins[hash]++
	bs.mu.Unlock()
}

// release gives back pins whose item never reached a commit; the writer
// checks those blobs for references at its next batch.
func (bs *blobStore) release(hashes ...string) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, h := range hashes {
		bs.unpinLocked(h)
		bs.suspects[h] = struct{}{}
	}
}

func (bs *blobStore) unpinLocked(hash string) {
	if bs.pins[hash]--; bs.pins[hash] <= 0 {
		delete(bs.pins, hash)
	}
}

// suspect marks blobs as possibly unreferenced without touching pins.
func (bs *blobStore) suspect(hashes ...string) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, h := range hashes {
		bs.suspects[h] = struct{}{}
	}
}

// takeSuspects returns and forgets the blobs released without a commit.
func (bs *blobStore) takeSuspects() []string {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := make([]string, 0, len(bs.suspects))
	for h := range bs.suspects {
		out = append(out, h)
	}
	clear(bs.suspects)
	return out
}

// settle runs after a commit: it gives back the batch's pins, then unlinks
// the blobs the transaction found unreferenced, except those pinned by a
// caller whose item is still on its way (its own batch will decide). Holding
// mu across both keeps a caller from finding a blob in name that is
// unlinked a moment later.
func (bs *blobStore) settle(pins, unreferenced []string) []error {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, h := range pins {
		bs.unpinLocked(h)
	}
	var errs []error
	for _, h := range unreferenced {
		if bs.pins[h] > 0 {
			continue
		}
		if bs.holds > 0 {
			bs.deferred = append(bs.deferred, h)
			continue
		}
		if err := os.Remove(bs.path(h)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errs
}

// validHash reports whether name is a lower-case hex SHA-256.
func validHash(name string) bool {
	if len(name) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// hold keeps every blob in place until unhold (a backup links them).
func (bs *blobStore) hold() {
	bs.mu.Lock()
	bs.holds++
	bs.mu.Unlock()
}

// unhold gives back a hold; after the last, the blobs whose unlinking
// waited are checked again at the writer's next batch.
func (bs *blobStore) unhold() {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.holds--; bs.holds == 0 {
		for _, h := range bs.deferred {
			bs.suspects[h] = struct{}{}
		}
		bs.deferred = nil
	}
}
