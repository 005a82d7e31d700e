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
)

// CmdletHeader names the cmdlet that made a request, for the audit log.
const CmdletHeader = "X-Postern-Cmdlet"

// StatusError is a request the server refused: its HTTP status and the
// server's message.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string { return e.Message }

// Do is the cmdlet shell's request: method GET or POST (with in as the
// JSON body), naming the cmdlet so that the audit log records it. A
// refusal is a *StatusError.
func (c *Client) Do(ctx context.Context, method, cmdlet, path string, in, out any) error {
	var body io.Reader
	if method == http.MethodPost {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://postern"+path, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cmdlet != "" {
		req.Header.Set(CmdletHeader, cmdlet)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ne *net.OpError
		if errors.As(err, &ne) && ne.Op == "dial" {
			return ErrNotRunning
		}
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e Error
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = fmt.Sprintf("admin API: %s", resp.Status)
		}
		return &StatusError{Code: resp.StatusCode, Message: e.Error}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
