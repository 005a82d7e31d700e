package api

// ImportRequest is the body of POST /v1/certificates: PEM text of the
// certificate (with its chain) and its private key.
type ImportRequest struct {
	Certificate string   `json:"certificate"`
	Key         string   `json:"key"`
	Services    []string `json:"services,omitempty"` // POP, IMAP, SMTP
}

// NewCertRequest is the body of POST /v1/certificates/new.
type NewCertRequest struct {
	// SubjectName is an X.500 distinguished name, e.g.
	// "C=US, O=Contoso, CN=mail.contoso.com"; empty means CN=<server name>.
	SubjectName string `json:"subjectName,omitempty"`
	// DomainNames are the subject alternative names (DNS names or IP
	// addresses); empty means the server's name and FQDN.
	DomainNames []string `json:"domainNames,omitempty"`
	// KeySize is the RSA key size: 2048 (the default), 3072 or 4096.
	KeySize  int      `json:"keySize,omitempty"`
	Services []string `json:"services,omitempty"` // POP, IMAP, SMTP, IIS
}

// EnableRequest is the body of POST /v1/certificates/enable.
type EnableRequest struct {
	Thumbprint string   `json:"thumbprint"`
	Services   []string `json:"services"`
}
