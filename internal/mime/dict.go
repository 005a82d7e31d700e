package mime

// dictSize is the number of dictionary words; indexes then fit the
// one-byte varint of a dictionary string reference.
const dictSize = 64

// dictWords is the static dictionary of serialisation version 1: frequent
// values stored as one byte. Its order is part of the format: never
// reorder, remove or add (a change needs a new version). It is a function
// returning an array value, not a package variable, so that no code can
// change it.
func dictWords() [dictSize]string {
	return [dictSize]string{
		"text", "plain", "html", "multipart", "mixed", "alternative", "related", "message",
		"rfc822", "application", "octet-stream", "image", "jpeg", "png", "gif", "pdf",
		"charset", "us-ascii", "utf-8", "iso-8859-1", "boundary", "name", "filename", "7bit",
		"8bit", "base64", "quoted-printable", "binary", "attachment", "inline", "format", "flowed",
		"delsp", "yes", "type", "report", "delivery-status", "calendar", "method", "windows-1252",
		"digest", "signed", "protocol", "micalg", "pgp-signature", "pkcs7-signature", "x-pkcs7-signature", "size",
		"creation-date", "modification-date", "UTF-8", "ms-tnef", "rfc822-headers", "iso-8859-15", "iso-2022-jp", "koi8-r",
		"audio", "video", "zip", "msword", "en-US", "en", "reply-type", "original",
	}
}

// dictIndex returns the index of s in dict, or -1.
func dictIndex(dict *[dictSize]string, s string) int {
	for i, w := range dict {
		if w == s {
			return i
		}
	}
	return -1
}
