package server

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/postern/postern/internal/durable"
)

// Secrets the server must give back in clear (a smarthost's password for
// AUTH) are kept in the directory sealed with AES-256-GCM under the
// server's own key, a file of the data folder (secret.key, mode 0600),
// so that a copy of the directory alone (a backup, a shared database)
// does not hold them in clear. Anyone who can read the data folder can
// still read them: the server itself must.
const (
	secretKeyFile = "secret.key"
	sealedPrefix  = "sealed:v1:"
)

// isSealed reports whether text is a sealed secret.
func isSealed(text string) bool { return strings.HasPrefix(text, sealedPrefix) }

// seal encrypts plain under the server's key. A text already sealed is
// returned as it is.
func (s *Server) seal(plain string) (string, error) {
	if plain == "" || isSealed(plain) {
		return plain, nil
	}
	aead, err := s.secretAEAD(true)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), []byte(sealedPrefix))), nil
}

// unseal decrypts a sealed text; a text that is not sealed (kept by an
// earlier version) is returned as it is.
func (s *Server) unseal(text string) (string, error) {
	if !isSealed(text) {
		return text, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(text, sealedPrefix))
	if err != nil {
		return "", fmt.Errorf("sealed secret: %w", err)
	}
	aead, err := s.secretAEAD(false)
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", errors.New("sealed secret: too short")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(sealedPrefix))
	if err != nil {
		return "", fmt.Errorf("sealed secret: not sealed with this server's %s: %w", secretKeyFile, err)
	}
	return string(plain), nil
}

// secretAEAD reads the server's key, creating it first if create and it
// does not exist yet.
func (s *Server) secretAEAD(create bool) (cipher.AEAD, error) {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.secretKey == nil {
		path := filepath.Join(s.dataDir, secretKeyFile)
		key, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) && create {
			key, err = writeSecretKey(path)
		}
		if err != nil {
			return nil, fmt.Errorf("server key: %w", err)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("server key %s: %d octets, want 32", path, len(key))
		}
		s.secretKey = key
	}
	block, err := aes.NewCipher(s.secretKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// writeSecretKey creates a new random key file, durably, readable by the
// owner only; if another process created it first, that key is used.
func writeSecretKey(path string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	err := durable.CreateFile(path, key, 0o600)
	if errors.Is(err, os.ErrExist) {
		return os.ReadFile(path)
	}
	return key, err
}
