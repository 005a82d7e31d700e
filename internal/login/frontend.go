package login

import (
	"log/slog"
	"time"

	"github.com/postern/postern/internal/protolog"
	"github.com/postern/postern/internal/proxy"
)

// FrontendOptions are what every protocol's pre-login adapter is built
// from: the frontend settings, read when the service starts, and the
// engine and router it logs users on with.
type FrontendOptions struct {
	Banner         string
	LoginType      Type
	MaxCommandSize int
	PreAuthTimeout time.Duration
	AuthTimeout    time.Duration
	Engine         *Engine
	Router         *proxy.Router
	Logger         *slog.Logger
	ProtoLog       *protolog.Logger // nil: protocol logging off
}

// WithDefaults fills what may be left zero.
func (o FrontendOptions) WithDefaults() FrontendOptions {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
