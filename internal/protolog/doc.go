// Package protolog writes the POP3 and IMAP4 protocol logs in the format
// Exchange 2013 and later use (spec §6): CSV files under LogFileLocation,
// each starting with header lines
//
//	#Software: Postern
//	#Version: 15.0.0.0
//	#Log-type: POP3 Protocol Log
//	#Date: 2026-11-22T10:00:00.000Z
//	#Fields: dateTime,sessionId,seqNumber,sIp,cIp,user,duration,rqsize,rpsize,command,parameters,context
//
// followed by one line per command. A session's lines run from an
// OpenSession line to a CloseSession line, numbered from 0. Files are named
// <FilePrefix><yyyyMMdd[HH]>-<n>.LOG and roll over by time or size as
// LogFileRollOverSettings and LogPerFileSizeQuota say (spec §2). Dates in
// names and records are UTC; hourly files carry the hour, daily files the
// day, weekly files their Monday, monthly files the first of the month. A
// start or a rollover continues the newest file that fits (same period, or
// room under the quota) and otherwise creates the next number. The folder
// is created with mode 0750 and files with 0640; old files are never
// deleted here.
//
// Invariants a contributor must not break:
//   - Secrets never reach a file. Callers hand over the command name and its
//     raw parameters; this package masks the parameters of PASS, APOP, AUTH,
//     AUTHENTICATE and LOGIN, and SASL client responses have no parameter
//     argument at all (Session.SASLResponse). Masking lives here, once, not
//     in each protocol.
//   - Every record is one line of exactly twelve RFC 4180 fields: fields
//     with a comma or quote are quoted, control characters (CR and LF
//     included) are escaped, so no record ever spans lines.
//   - Logging never blocks a protocol session for long and never fails it:
//     lines go through a bounded queue to one writer goroutine; a full queue
//     or a failing disk drops lines and counts them (Logger.Dropped).
//   - A nil *Logger and a nil *Session are valid and log nothing, so a
//     service with ProtocolLogEnabled $false passes nil.
package protolog
