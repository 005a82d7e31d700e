// Package proxytest holds the tests that run real backend services
// (internal/imap/backend over internal/store/sqlite) through the
// cross-server proxy: package proxy cannot import them, since they import
// it.
package proxytest
