// Package lang is the cmdlet shell's language: the subset of PowerShell
// that the Exchange documentation uses. It parses and runs scripts over
// a command table it is given (Options.Lookup), and knows nothing of
// Postern or its admin API; internal/shell supplies the cmdlets.
//
// The pieces, in the order a line goes through them:
//
//   - lexer.go, parser.go, ast.go: a real tokenizer and parser (not string
//     splitting) for statements separated by ';' or line breaks,
//     pipelines, cmdlet invocations with named, positional and switch
//     parameters (-Confirm:$false), single- and double-quoted strings with
//     escapes and $variable expansion, bare words (mail.contoso.com,
//     *Bindings, 00:00:30), numbers (1024, 0x10, 10MB), $true/$false/$null,
//     comma arrays, @{Add=...;Remove=...}, ( ) $( ) @( ), $x = ...,
//     property access ($cred.UserName) and [System.IO.File]::ReadAllBytes().
//   - errors.go: ParseError and CommandError carry the position of the
//     fault, worded and laid out as PowerShell's; Incomplete parse errors
//     let the interactive shell ask for more.
//   - eval.go, params.go: the evaluator (Interp) and parameter binding:
//     names are case-insensitive and may be abbreviated when unambiguous
//     ("ambiguous parameter" otherwise), values convert to the parameter's
//     Kind, the common parameters (-WhatIf, -Confirm, -ErrorAction, ...)
//     apply, and objects flow through pipelines. A Cmdlet's Run gets a
//     Call with the bound arguments and the pipeline input.
//   - value.go: the values that flow (Object, Hashtable, SecureString,
//     Credential, ...) and their display forms.
//   - format.go: Out-Default (the default output), Format-List,
//     Format-Table and Select-Object layouts, as the Exchange Management
//     Shell prints them, and PowerShell's wildcards.
//
// Invariants a contributor must not break:
//   - Parsing never panics and never recurses deeper than maxDepth;
//     FuzzParse checks that printing a parsed script (String) and parsing
//     it again gives the same text.
//   - A SecureString prints as its type name (%v, %s, %#v alike) and no
//     message shows a secret's value; Reveal is for sending it where it is
//     checked only.
//   - The package holds no package-level mutable state; an Interp is one
//     session.
package lang
