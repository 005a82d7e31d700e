package tlsconf

import (
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/postern/postern/internal/durable"
)

// Errors returned by Store methods; test them with errors.Is.
var (
	ErrNotFound = errors.New("tlsconf: certificate not found")
	ErrExists   = errors.New("tlsconf: certificate already exists")
	ErrNoMatch  = errors.New("tlsconf: no valid certificate matches the name")
	ErrInvalid  = errors.New("tlsconf: invalid certificate or key")
)

const (
	certExt     = ".crt"
	keyExt      = ".key"
	servicesExt = ".json"
)

// Options configures a Store.
type Options struct {
	// Dir is the folder holding the certificates, e.g. <data>/certs. It is
	// created (mode 0700) if missing.
	Dir string
	// Now returns the current time; nil means time.Now. It decides which
	// certificates are valid and the validity of generated ones.
	Now func() time.Time
}

// Validate reports whether the options can be used.
func (o *Options) Validate() error {
	if o.Dir == "" {
		return errors.New("tlsconf: Options.Dir is empty")
	}
	return nil
}

// Store is the certificate folder and the certificate set loaded from it.
// All methods are safe for concurrent use.
type Store struct {
	dir string
	now func() time.Time

	mu  sync.Mutex // serialises changes to the folder and reloads
	set atomic.Pointer[certSet]
}

// certSet is an immutable snapshot of the loaded certificates.
type certSet struct {
	entries []*entry // sorted by thumbprint
}

// Open creates the folder if needed and loads every certificate in it. A
// certificate file that cannot be loaded (missing or mismatched key, bad
// PEM) is an error, so a broken folder is noticed at start-up.
func Open(opts Options) (*Store, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("tlsconf: %w", err)
	}
	s := &Store{dir: opts.Dir, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir returns the certificate folder.
func (s *Store) Dir() string { return s.dir }

// Reload re-reads the folder and swaps the certificate set in use, so
// certificates added or removed by another process (the admin CLI) take
// effect without restarting listeners. On error the previous set stays.
func (s *Store) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloadLocked()
}

func (s *Store) reloadLocked() error {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("tlsconf: %w", err)
	}
	var (
		entries []*entry
		errs    []error
	)
	for _, de := range des {
		name, ok := strings.CutSuffix(de.Name(), certExt)
		if !ok || de.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		e, err := s.load(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		entries = append(entries, e)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	slices.SortFunc(entries, func(a, b *entry) int {
		return cmp.Compare(a.info.Thumbprint, b.info.Thumbprint)
	})
	s.set.Store(&certSet{entries: entries})
	return nil
}

// load reads one <name>.crt/.key pair and its optional services sidecar.
func (s *Store) load(name string) (*entry, error) {
	certFile := s.path(name, certExt)
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: %w", err)
	}
	keyPEM, err := os.ReadFile(s.path(name, keyExt))
	if err != nil {
		return nil, fmt.Errorf("tlsconf: key for %s: %w", certFile, err)
	}
	pair, err := parsePair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, certFile)
	}
	services, err := s.readServices(name)
	if err != nil {
		return nil, err
	}
	return newEntry(name, certFile, pair, services), nil
}

// parsePair checks that the PEM certificate chain and key belong together.
func parsePair(certPEM, keyPEM []byte) (tls.Certificate, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if pair.Leaf == nil { // only with GODEBUG=x509keypairleaf=0
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		pair.Leaf = leaf
	}
	return pair, nil
}

type servicesFile struct {
	Services []string `json:"services"`
}

func (s *Store) readServices(name string) ([]string, error) {
	p := s.path(name, servicesExt)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tlsconf: %w", err)
	}
	var sf servicesFile
	if err := json.Unmarshal(b, &sf); err != nil {
		return nil, fmt.Errorf("tlsconf: %s: %w", p, err)
	}
	svcs, err := normalizeServices(sf.Services)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, p)
	}
	return svcs, nil
}

func (s *Store) writeServices(name string, services []string) error {
	b, err := json.Marshal(servicesFile{Services: services})
	if err != nil {
		return err
	}
	return durable.WriteFile(s.path(name, servicesExt), append(b, '\n'), 0o644)
}

func (s *Store) path(name, ext string) string {
	return filepath.Join(s.dir, name+ext)
}

// List returns every stored certificate, sorted by thumbprint, expired ones
// included.
func (s *Store) List() []Cert {
	set := s.set.Load()
	out := make([]Cert, 0, len(set.entries))
	for _, e := range set.entries {
		out = append(out, e.publicCopy())
	}
	return out
}

// Import stores a certificate (PEM, leaf first, then its chain) with its
// private key (PEM: PKCS #8, PKCS #1 or SEC 1). The pair must match. The
// new certificate is enabled for no service; see EnableServices.
func (s *Store) Import(certPEM, keyPEM []byte) (Cert, error) {
	pair, err := parsePair(certPEM, keyPEM)
	if err != nil {
		return Cert{}, err
	}
	tp := Thumbprint(pair.Leaf.Raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.find(tp) != nil {
		return Cert{}, fmt.Errorf("%w: %s", ErrExists, tp)
	}
	if err := s.writePair(tp, certPEM, keyPEM); err != nil {
		return Cert{}, err
	}
	if err := s.reloadLocked(); err != nil {
		return Cert{}, err
	}
	return s.find(tp).publicCopy(), nil
}

// EnableServices adds services (ServicePOP, ServiceIMAP, ...) to the
// certificate with the given thumbprint, as Enable-ExchangeCertificate does.
func (s *Store) EnableServices(thumbprint string, services ...string) (Cert, error) {
	add, err := normalizeServices(services)
	if err != nil {
		return Cert{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.find(thumbprint)
	if e == nil {
		return Cert{}, fmt.Errorf("%w: %s", ErrNotFound, thumbprint)
	}
	all, _ := normalizeServices(append(slices.Clone(e.info.Services), add...))
	if err := s.writeServices(e.name, all); err != nil {
		return Cert{}, fmt.Errorf("tlsconf: %w", err)
	}
	if err := s.reloadLocked(); err != nil {
		return Cert{}, err
	}
	return s.find(thumbprint).publicCopy(), nil
}

// Remove deletes the certificate with the given thumbprint (any case) and
// its key. Removing the self-signed certificate makes EnsureSelfSigned
// create a new one at the next start.
func (s *Store) Remove(thumbprint string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.find(thumbprint)
	if e == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, thumbprint)
	}
	// The .crt goes first: without it the rest is ignored by loading.
	for _, ext := range []string{certExt, keyExt, servicesExt} {
		if err := os.Remove(s.path(e.name, ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("tlsconf: %w", err)
		}
	}
	return s.reloadLocked()
}

// find returns the loaded entry with the thumbprint, or nil.
func (s *Store) find(thumbprint string) *entry {
	tp := strings.ToUpper(strings.TrimSpace(thumbprint))
	for _, e := range s.set.Load().entries {
		if e.info.Thumbprint == tp {
			return e
		}
	}
	return nil
}

// writePair writes <name>.key (0600) and then <name>.crt (0644).
func (s *Store) writePair(name string, certPEM, keyPEM []byte) error {
	if err := durable.WriteFile(s.path(name, keyExt), keyPEM, 0o600); err != nil {
		return fmt.Errorf("tlsconf: %w", err)
	}
	if err := durable.WriteFile(s.path(name, certExt), certPEM, 0o644); err != nil {
		return fmt.Errorf("tlsconf: %w", err)
	}
	return nil
}
