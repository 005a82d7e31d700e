package api

// Domain is an accepted domain as the API shows it.
type Domain struct {
	Name       string `json:"name"`
	DomainName string `json:"domainName"`
	DomainType string `json:"domainType"` // always Authoritative
	Default    bool   `json:"default"`
}

// NewDomain is the body of POST /v1/domains (New-AcceptedDomain).
type NewDomain struct {
	Name       string `json:"name,omitempty"`
	DomainName string `json:"domainName"`
	// DomainType must be empty or Authoritative: Postern has no relay
	// domains.
	DomainType string `json:"domainType,omitempty"`
}

// SetDomain is the body of POST /v1/domains/set (Set-AcceptedDomain).
type SetDomain struct {
	Identity    string `json:"identity"`
	Name        string `json:"name,omitempty"`
	MakeDefault bool   `json:"makeDefault,omitempty"`
}
