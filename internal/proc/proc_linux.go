package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// errSearch is what reading a process that went away mid-read may fail with.
var errSearch error = unix.ESRCH

// Get reads /proc/<pid>/stat.
func Get(pid int) (Process, error) {
	var buf [512]byte
	return get(pid, buf[:])
}

// get reads /proc/<pid>/stat into buf with one open, read and close: List reads every
// process's, and os.ReadFile's stat and allocation would double its cost.
func get(pid int, buf []byte) (Process, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, errSearch) {
			return Process{}, ErrNotFound
		}
		return Process{}, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	n, err := unix.Read(fd, buf)
	_ = unix.Close(fd)
	switch {
	case errors.Is(err, errSearch):
		return Process{}, ErrNotFound
	case err != nil:
		return Process{}, &fs.PathError{Op: "read", Path: path, Err: err}
	case n == len(buf):
		// A longer line than the buffer (it is one line of ~300 bytes).
		b, err := os.ReadFile(path)
		if err != nil {
			return Process{}, ErrNotFound
		}
		return parseStat(pid, b)
	}
	return parseStat(pid, buf[:n])
}

// parseStat reads the fields the package offers from a /proc/<pid>/stat line.
func parseStat(pid int, b []byte) (Process, error) {
	// Field 2, the command name, is in parentheses and may itself hold spaces and
	// parentheses, so fields are counted from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Process{}, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), f[1] the parent, f[2] the group, f[19] field 22, the
	// start time in clock ticks after boot.
	if len(f) < 20 || len(f[0]) != 1 {
		return Process{}, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgid, err2 := strconv.Atoi(string(f[2]))
	start, err3 := strconv.ParseInt(string(f[19]), 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Process{}, fmt.Errorf("malformed /proc/%d/stat: %w", pid, err)
	}
	state := f[0][0]
	name := ""
	if j := bytes.IndexByte(b, '('); j >= 0 && j < i {
		name = string(b[j+1 : i])
	}
	return Process{PID: pid, PPID: ppid, Name: name, PGID: pgid, Start: start, Exited: state == 'Z' || state == 'X'}, nil
}

// List reads every numeric entry of /proc. Processes that end while it reads are left out.
func List() ([]Process, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	names, err := d.Readdirnames(-1) // unsorted, without a stat of each
	_ = d.Close()
	if err != nil {
		return nil, err
	}
	out := make([]Process, 0, len(names))
	var buf [512]byte
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if p, err := get(pid, buf[:]); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// Cmdline reads /proc/<pid>/cmdline: the argv the process was started with (empty for a
// zombie or a kernel thread).
func Cmdline(pid int) ([]string, error) { return readNUL(pid, "cmdline") }

// Environ reads /proc/<pid>/environ: the environment the process was started with
// (changes it made to its own since are not seen). Only a process of the same user
// may be read.
func Environ(pid int) ([]string, error) { return readNUL(pid, "environ") }

func readNUL(pid int, name string) ([]string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/" + name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errSearch) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return splitNUL(b), nil
}

// splitNUL splits NUL-separated strings, as /proc and sysctl give argv and environment;
// a trailing NUL ends the last one rather than starting an empty one.
func splitNUL(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\x00")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\x00")
}
