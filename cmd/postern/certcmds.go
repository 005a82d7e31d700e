package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/postern/postern/internal/admin/api"
	"github.com/postern/postern/internal/tlsconf"
)

// cert lists and imports certificates (Get-/Import-ExchangeCertificate).
func (c *cli) cert(ctx context.Context, args []string) error {
	cl := c.client()
	switch {
	case len(args) == 1 && args[0] == "list":
		certs, err := cl.Certificates(ctx)
		if err != nil {
			return err
		}
		printCerts(c.out, certs...)
		return nil
	case len(args) >= 1 && args[0] == "import":
		fs := flag.NewFlagSet("cert import", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		certFile := fs.String("cert", "", "PEM certificate (with chain)")
		keyFile := fs.String("key", "", "PEM private key")
		services := fs.String("services", "POP", "services to enable it for: POP,IMAP,SMTP")
		if err := fs.Parse(args[1:]); err != nil || *certFile == "" || *keyFile == "" {
			return errUsage
		}
		certPEM, err := os.ReadFile(*certFile)
		if err != nil {
			return err
		}
		keyPEM, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		req := api.ImportRequest{Certificate: string(certPEM), Key: string(keyPEM), Services: strings.Split(*services, ",")}
		got, err := cl.ImportCertificate(ctx, req)
		if err != nil {
			return err
		}
		printCerts(c.out, got)
		return nil
	}
	return errUsage
}

func printCerts(w io.Writer, certs ...tlsconf.Cert) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Thumbprint\tServices\tSubject\tNames\tNotAfter")
	for _, c := range certs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Thumbprint, strings.Join(c.Services, ","), c.Subject,
			strings.Join(c.DNSNames, ","), c.NotAfter.Format("2006-01-02"))
	}
	tw.Flush()
}
