package memory

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/codex-mcp/codex-mcp/internal/proc"
)

// Where SQLite's unix VFS takes the write lock, as POSIX record locks (fcntl), which
// Linux lists with the holder's pid in /proc/locks: in WAL mode byte 120 of the -shm
// file (WAL_WRITE_LOCK), otherwise the RESERVED byte of the database file itself.
const (
	walWriteLockByte = 120
	reservedByte     = 0x40000001
)

// lockHolder finds the process holding the write lock on the database at p.
func lockHolder(p string) (lockOwner, bool) {
	for _, c := range []struct {
		file string
		at   int64
	}{{p + "-shm", walWriteLockByte}, {p, reservedByte}} {
		if pid, ok := writeLockPID(c.file, c.at); ok {
			name := "pid " + strconv.Itoa(pid)
			if p, err := proc.Get(pid); err == nil && p.Name != "" {
				name = p.Name
			}
			return lockOwner{pid: pid, name: name}, true
		}
	}
	return lockOwner{}, false
}

// writeLockPID reads /proc/locks for a granted POSIX write lock on file covering byte
// at. Lines look like "3: POSIX  ADVISORY  WRITE 4242 00:2f:1234 120 120"; waiters are
// listed as "3: -> POSIX ..." and skipped.
func writeLockPID(file string, at int64) (int, bool) {
	fi, err := os.Stat(file)
	if err != nil {
		return 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	// The kernel prints the device as "%02x:%02x" of its major and minor numbers.
	dev := uint64(st.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^uint64(0xfff)
	minor := dev&0xff | (dev>>12)&^uint64(0xff)
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 8 || fs[1] != "POSIX" || fs[3] != "WRITE" {
			continue
		}
		if fs[5] != want {
			continue
		}
		start, err1 := strconv.ParseInt(fs[6], 10, 64)
		end, err2 := strconv.ParseInt(fs[7], 10, 64)
		if fs[7] == "EOF" {
			end, err2 = 1<<62, nil
		}
		pid, err3 := strconv.Atoi(fs[4])
		if err1 == nil && err2 == nil && err3 == nil && pid > 0 && start <= at && at <= end {
			return pid, true
		}
	}
	return 0, false
}
