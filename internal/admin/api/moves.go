package api

// Move request statuses (Get-MoveRequest Status).
const (
	MoveQueued     = "Queued"
	MoveInProgress = "InProgress"
	MoveCompleted  = "Completed"
	MoveFailed     = "Failed"
)

// MoveRequest is a mailbox move to another mailbox database
// (New-MoveRequest, Get-MoveRequest, Get-MoveRequestStatistics). The
// messages are appended to the target in UID order: their UIDs are new
// and every folder of the target has a new UIDVALIDITY (Note says so), so
// IMAP clients read the folders again and POP3 UIDLs change.
type MoveRequest struct {
	Identity       string `json:"identity"` // the primary SMTP address
	DisplayName    string `json:"displayName"`
	UserID         int64  `json:"userId"`
	Status         string `json:"status"`
	SourceDatabase string `json:"sourceDatabase"`
	TargetDatabase string `json:"targetDatabase"`
	// Server is the server running the move: the one holding both
	// databases.
	Server         string `json:"server"`
	FoldersTotal   int    `json:"foldersTotal"`
	FoldersCopied  int    `json:"foldersCopied"`
	MessagesTotal  int    `json:"messagesTotal"`
	MessagesCopied int    `json:"messagesCopied"`
	BytesCopied    int64  `json:"bytesCopied"`
	// Times are RFC 3339, UTC; empty until reached.
	QueuedTime   string `json:"queuedTime"`
	StartTime    string `json:"startTime,omitempty"`
	CompleteTime string `json:"completeTime,omitempty"`
	Error        string `json:"error,omitempty"`
	Note         string `json:"note,omitempty"`
}

// PercentComplete is the share of the messages copied; 100 once
// Completed.
func (m MoveRequest) PercentComplete() int {
	switch {
	case m.Status == MoveCompleted:
		return 100
	case m.MessagesTotal == 0:
		return 0
	}
	return m.MessagesCopied * 100 / m.MessagesTotal
}

// MoveRequestParams is the body of POST /v1/moves (New-MoveRequest) and,
// with Identity only, POST /v1/moves/remove (Remove-MoveRequest).
type MoveRequestParams struct {
	Identity       string `json:"identity"`
	TargetDatabase string `json:"targetDatabase,omitempty"`
}
