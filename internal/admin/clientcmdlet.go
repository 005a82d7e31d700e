package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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
	return c.do(req, out)
}
