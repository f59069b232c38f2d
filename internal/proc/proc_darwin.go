package proc

import (
	"errors"

	"golang.org/x/sys/unix"
)

// sZomb is p_stat of a process that exited and was not reaped yet (SZOMB in
// <sys/proc.h>; x/sys/unix does not name it).
const sZomb = 5

// Get asks sysctl kern.proc.pid.<pid>.
func Get(pid int) (Process, error) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	// For a pid with no process the kernel answers with nothing, which x/sys reports as EIO.
	if errors.Is(err, unix.EIO) || errors.Is(err, unix.ESRCH) || (err == nil && int(k.Proc.P_pid) != pid) {
		return Process{}, ErrNotFound
	}
	if err != nil {
		return Process{}, err
	}
	return fromKinfo(k), nil
}

func fromKinfo(k *unix.KinfoProc) Process {
	t := k.Proc.P_starttime
	return Process{
		PID: int(k.Proc.P_pid), PPID: int(k.Eproc.Ppid), PGID: int(k.Eproc.Pgid),
		Name:   unix.ByteSliceToString(k.Proc.P_comm[:]),
		Start:  t.Sec*1_000_000 + int64(t.Usec),
		Exited: k.Proc.P_stat == sZomb,
	}
}

// List asks sysctl kern.proc.all.
func List() ([]Process, error) {
	ks, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil, err
	}
	out := make([]Process, 0, len(ks))
	for i := range ks {
		if ks[i].Proc.P_pid > 0 {
			out = append(out, fromKinfo(&ks[i]))
		}
	}
	return out, nil
}

// Cmdline reads the argv from sysctl kern.procargs2 (a process of the same user only).
func Cmdline(pid int) ([]string, error) {
	argv, _, err := procargs(pid)
	return argv, err
}

// Environ reads the environment the process was started with from sysctl
// kern.procargs2 (a process of the same user only).
func Environ(pid int) ([]string, error) {
	_, env, err := procargs(pid)
	return env, err
}

func procargs(pid int) ([]string, []string, error) {
	b, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil, nil, ErrNotFound
		}
		if _, gerr := Get(pid); errors.Is(gerr, ErrNotFound) {
			return nil, nil, ErrNotFound
		}
		return nil, nil, err
	}
	argv, env, ok := parseProcargs(b)
	if !ok {
		return nil, nil, errors.New("malformed kern.procargs2")
	}
	return argv, env, nil
}
