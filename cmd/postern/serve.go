package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/postern/postern/internal/admin"
	"github.com/postern/postern/internal/server"
)

// serve runs the server until SIGINT or SIGTERM.
func (c *cli) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fqdn := fs.String("fqdn", "", "the server's FQDN (first start only; default: the host name)")
	domain := fs.String("domain", "", "the first accepted domain (first start only)")
	offset := fs.Int("port-offset", 0, "add N to every default port (first start only), to run unprivileged")
	local := fs.Bool("local", false, "bind every default listener to 127.0.0.1 only (first start only)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	adminListen := fs.String("admin-listen", "", "also serve the admin API over HTTPS on this address, for administrators")
	dirURL := fs.String("directory", "", "the organisation's PostgreSQL (postgres://...): several servers share it; default: the embedded directory in --data")
	dirFile := fs.String("directory-file", "", "a file holding the --directory URL (keeps its password off the command line)")
	leaseTTL := fs.Duration("lease-ttl", server.DefaultLeaseTTL, "cluster: a mailbox database moves to its next copy this long after its server stops renewing (every server the same)")
	address := fs.String("address", "", "the address other servers of the organisation reach this one at (default: its FQDN)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("serve: --log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	if *leaseTTL < 3*time.Second || *leaseTTL > time.Hour {
		return fmt.Errorf("serve: --lease-ttl %s: give 3s to 1h", *leaseTTL)
	}
	url, err := directoryURL(*dirURL, *dirFile)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	s, err := server.Open(ctx, server.Options{
		DataDir:      c.dataDir,
		FQDN:         *fqdn,
		Domain:       *domain,
		PortOffset:   *offset,
		Local:        *local,
		Logger:       log,
		DirectoryURL: url,
		Address:      *address,
		LeaseTTL:     *leaseTTL,
	})
	if err != nil {
		return err
	}
	api, err := admin.Listen(s, filepath.Join(c.dataDir, "admin.sock"), log)
	if err != nil {
		s.Close()
		return err
	}
	var remote *admin.API
	if *adminListen != "" {
		if remote, err = admin.ListenHTTPS(s, admin.HTTPSOptions{Addr: *adminListen, Throttle: s.Throttle()}, log); err != nil {
			api.Close()
			s.Close()
			return fmt.Errorf("--admin-listen: %w", err)
		}
		log.Info("remote admin API", "https", remote.Addr().String())
	}
	log.Info("postern is running", "server", s.Name(), "fqdn", s.FQDN(), "data", c.dataDir,
		"certificate", s.CertificatePath(), "admin", filepath.Join(c.dataDir, "admin.sock"))
	<-ctx.Done()
	log.Info("stopping")
	if remote != nil {
		remote.Close()
	}
	api.Close()
	return s.Close()
}

// directoryURL is the organisation's directory: --directory, else the file
// --directory-file names, else $POSTERN_DIRECTORY, else "" (the embedded
// directory in the data folder).
func directoryURL(flagURL, file string) (string, error) {
	switch {
	case flagURL != "" && file != "":
		return "", fmt.Errorf("give --directory or --directory-file, not both")
	case flagURL != "":
		return flagURL, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--directory-file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return os.Getenv("POSTERN_DIRECTORY"), nil
}
