package shell

import (
	"os"
	"syscall"
	"unsafe"
)

func getTermios(fd uintptr) (*syscall.Termios, error) {
	var t syscall.Termios
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t))); e != 0 {
		return nil, e
	}
	return &t, nil
}

func setTermios(fd uintptr, t *syscall.Termios) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(t))); e != 0 {
		return e
	}
	return nil
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	_, err := getTermios(f.Fd())
	return err == nil
}

// makeRaw puts the terminal in raw mode (no echo, no line buffering, no
// signals: Ctrl-C arrives as a key) and returns the function that
// restores it. Output processing stays on, so "\n" still moves to the
// start of a line.
func makeRaw(f *os.File) (func(), error) {
	old, err := getTermios(f.Fd())
	if err != nil {
		return nil, err
	}
	raw := *old
	raw.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	raw.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	raw.Cflag &^= syscall.CSIZE | syscall.PARENB
	raw.Cflag |= syscall.CS8
	raw.Cc[syscall.VMIN], raw.Cc[syscall.VTIME] = 1, 0
	if err := setTermios(f.Fd(), &raw); err != nil {
		return nil, err
	}
	return func() { setTermios(f.Fd(), old) }, nil
}

// noEcho turns echo off (for a password on a cooked terminal).
func noEcho(f *os.File) (func(), error) {
	old, err := getTermios(f.Fd())
	if err != nil {
		return nil, err
	}
	t := *old
	t.Lflag &^= syscall.ECHO
	if err := setTermios(f.Fd(), &t); err != nil {
		return nil, err
	}
	return func() { setTermios(f.Fd(), old) }, nil
}
