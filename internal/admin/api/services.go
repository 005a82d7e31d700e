package api

// Startup types, as Exchange's Set-Service -StartupType names them.
const (
	Automatic = "Automatic"
	Manual    = "Manual"
	Disabled  = "Disabled"
)

// Service states, as Get-Service shows them.
const (
	Running = "Running"
	Stopped = "Stopped"
)

// ServiceStatus is what Get-Service / `postern service list` shows: the
// answer of GET /v1/services and of the service actions.
type ServiceStatus struct {
	Name         string   `json:"name"`
	ExchangeName string   `json:"exchangeName"`
	DisplayName  string   `json:"displayName"`
	Status       string   `json:"status"`
	StartupType  string   `json:"startupType"`
	Listeners    []string `json:"listeners,omitempty"`
	Error        string   `json:"error,omitempty"`
}

// ServiceRequest is the body of the service endpoints.
type ServiceRequest struct {
	Name        string `json:"name"`
	Action      string `json:"action,omitempty"` // start, stop, restart
	StartupType string `json:"startupType,omitempty"`
}
