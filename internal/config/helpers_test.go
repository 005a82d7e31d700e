package config

import (
	"strconv"
	"strings"
)

func itoa(v int) string     { return strconv.Itoa(v) }
func lower(s string) string { return strings.ToLower(s) }
func upper(s string) string { return strings.ToUpper(s) }
