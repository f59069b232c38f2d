package memory

import (
	"bytes"
	"errors"
	"os"
	"strconv"
)

// processStartTime reads field 22 of /proc/<pid>/stat: the time the process started, in
// clock ticks after boot. It is fixed for the life of a process, so (pid, start time)
// names one process even after the pid is reused.
func processStartTime(pid int) (int64, error) {
	start, _, err := procStat(pid)
	return start, err
}

func procStat(pid int) (start int64, state byte, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// Field 2, the command name, is in parentheses and may itself contain spaces and
	// parentheses, so count fields from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	fields := bytes.Fields(b[i+1:])
	// fields[0] is field 3 (state), so field 22 is fields[19].
	if len(fields) < 20 || len(fields[0]) != 1 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	start, err = strconv.ParseInt(string(fields[19]), 10, 64)
	return start, fields[0][0], err
}

func processAlive(o Owner) bool {
	start, state, err := procStat(o.PID)
	if err != nil {
		return false // no such process
	}
	if state == 'Z' || state == 'X' {
		return false // exited, not yet reaped
	}
	// A zero StartTime means it was not recorded; the pid is all there is to go on.
	return o.StartTime == 0 || start == o.StartTime
}
