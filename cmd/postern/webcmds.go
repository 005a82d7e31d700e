package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/postern/postern/internal/config"
)

// web shows or changes the web service's settings (applied at its next
// start: `postern service restart web`).
func (c *cli) web(ctx context.Context, args []string) error {
	cl := c.client()
	var ws config.WebSettings
	var err error
	switch {
	case len(args) == 1 && args[0] == "show":
		if ws, err = cl.Web(ctx); err != nil {
			return err
		}
	case len(args) >= 2 && args[0] == "set":
		settings := map[string]string{}
		for _, a := range args[1:] {
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				return errUsage
			}
			settings[k] = v
		}
		if ws, err = cl.SetWeb(ctx, settings); err != nil {
			return err
		}
		defer fmt.Fprintln(os.Stderr, "postern: saved; restart web to apply them")
	default:
		return errUsage
	}
	var bs []string
	for _, b := range ws.Bindings {
		bs = append(bs, b.String())
	}
	fmt.Fprintf(c.out, "Bindings            : {%s}\nX509CertificateName : %s\n", strings.Join(bs, ", "), ws.X509CertificateName)
	return nil
}
