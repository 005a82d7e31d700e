// Package directory holds the directory (Exchange's Active Directory role).
package directory

import _ "golang.org/x/crypto/argon2"
