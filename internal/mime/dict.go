package mime

// dictWord is the static dictionary of serialisation version 1: frequent
// lower-case values stored as one byte. Its order is part of the format:
// append only, never reorder or remove (a change needs a new version).
func dictWord(i uint64) (string, bool) {
	switch i {
	case 0:
		return "text", true
	case 1:
		return "plain", true
	case 2:
		return "html", true
	case 3:
		return "multipart", true
	case 4:
		return "mixed", true
	case 5:
		return "alternative", true
	case 6:
		return "related", true
	case 7:
		return "message", true
	case 8:
		return "rfc822", true
	case 9:
		return "application", true
	case 10:
		return "octet-stream", true
	case 11:
		return "image", true
	case 12:
		return "jpeg", true
	case 13:
		return "png", true
	case 14:
		return "gif", true
	case 15:
		return "pdf", true
	case 16:
		return "charset", true
	case 17:
		return "us-ascii", true
	case 18:
		return "utf-8", true
	case 19:
		return "iso-8859-1", true
	case 20:
		return "boundary", true
	case 21:
		return "name", true
	case 22:
		return "filename", true
	case 23:
		return "7bit", true
	case 24:
		return "8bit", true
	case 25:
		return "base64", true
	case 26:
		return "quoted-printable", true
	case 27:
		return "binary", true
	case 28:
		return "attachment", true
	case 29:
		return "inline", true
	case 30:
		return "format", true
	case 31:
		return "flowed", true
	case 32:
		return "delsp", true
	case 33:
		return "yes", true
	case 34:
		return "type", true
	case 35:
		return "report", true
	case 36:
		return "delivery-status", true
	case 37:
		return "calendar", true
	case 38:
		return "method", true
	case 39:
		return "windows-1252", true
	case 40:
		return "digest", true
	case 41:
		return "signed", true
	case 42:
		return "protocol", true
	case 43:
		return "micalg", true
	case 44:
		return "pgp-signature", true
	case 45:
		return "pkcs7-signature", true
	case 46:
		return "x-pkcs7-signature", true
	case 47:
		return "size", true
	case 48:
		return "creation-date", true
	case 49:
		return "modification-date", true
	case 50:
		return "UTF-8", true
	case 51:
		return "ms-tnef", true
	case 52:
		return "rfc822-headers", true
	case 53:
		return "iso-8859-15", true
	case 54:
		return "iso-2022-jp", true
	case 55:
		return "koi8-r", true
	case 56:
		return "audio", true
	case 57:
		return "video", true
	case 58:
		return "zip", true
	case 59:
		return "msword", true
	case 60:
		return "en-US", true
	case 61:
		return "en", true
	case 62:
		return "reply-type", true
	case 63:
		return "original", true
	}
	return "", false
}

// dictIndex returns the dictionary index of s, or -1.
func dictIndex(s string) int {
	if len(s) > len("modification-date") {
		return -1
	}
	for i := uint64(0); ; i++ {
		w, ok := dictWord(i)
		if !ok {
			return -1
		}
		if w == s {
			return int(i)
		}
	}
}
