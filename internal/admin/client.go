package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/postern/postern/internal/admin/api"
)

// Client talks to a server's admin API over its Unix socket.
// Its typed requests (Requests) are its own methods.
type Client struct {
	hc *http.Client
	Requests
}

// newClient returns a client sending its requests through hc.
func newClient(hc *http.Client) *Client {
	c := &Client{hc: hc}
	c.Requests = Requests{d: c}
	return c
}

// NewClient returns a client for the socket at path.
func NewClient(path string) *Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return newClient(&http.Client{Transport: tr, Timeout: 5 * time.Minute})
}

// ErrNotRunning is returned when no server answers on the socket.
var ErrNotRunning = errors.New("no postern server is running on this data folder (start it with: postern serve)")

// Get fetches path into out.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://postern"+path, nil)
	if err != nil {
		return err
	}
	return c.do(req, out)
}

// Post sends in as JSON to path and decodes the answer into out.
func (c *Client) Post(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://postern"+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, out)
}

// Deliver sends a message to the recipients through the server.
func (c *Client) Deliver(ctx context.Context, to []string, body io.Reader) ([]api.DeliverResult, error) {
	q := url.Values{"to": to}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://postern/v1/deliver?"+q.Encode(), body)
	if err != nil {
		return nil, err
	}
	var out []api.DeliverResult
	return out, c.do(req, &out)
}

func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.hc.Do(req)
	if err != nil {
		var ne *net.OpError
		if errors.As(err, &ne) && ne.Op == "dial" {
			return ErrNotRunning
		}
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e api.Error
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("admin API: %s", resp.Status)
		}
		return &StatusError{Code: resp.StatusCode, Message: e.Error}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}
