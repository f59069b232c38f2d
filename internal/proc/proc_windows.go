package proc

import (
	"errors"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// stillActive is what GetExitCodeProcess reports for a process that has not exited
// (STILL_ACTIVE; x/sys/windows does not name it).
const stillActive = 259

// Get opens the process for query: its creation time, whether it exited (a handle
// someone holds keeps an exited process's pid), and its parent.
func Get(pid int) (Process, error) {
	h, err := open(pid)
	if err != nil {
		return Process{}, err
	}
	defer windows.CloseHandle(h)
	p := Process{PID: pid, Start: startOf(h)}
	var buf [windows.MAX_PATH]uint16
	if n := uint32(len(buf)); windows.QueryFullProcessImageName(h, 0, &buf[0], &n) == nil {
		p.Name = filepath.Base(windows.UTF16ToString(buf[:n]))
	}
	var code uint32
	if windows.GetExitCodeProcess(h, &code) == nil {
		p.Exited = code != stillActive
	}
	var info windows.PROCESS_BASIC_INFORMATION
	if windows.NtQueryInformationProcess(h, windows.ProcessBasicInformation, unsafe.Pointer(&info), uint32(unsafe.Sizeof(info)), nil) == nil {
		p.PPID = int(info.InheritedFromUniqueProcessId)
	}
	return p, nil
}

func open(pid int) (windows.Handle, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	switch {
	case errors.Is(err, windows.ERROR_INVALID_PARAMETER):
		return 0, ErrNotFound // no process has that id
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return 0, &os.SyscallError{Syscall: "OpenProcess", Err: os.ErrPermission}
	}
	return h, err
}

func startOf(h windows.Handle) int64 {
	var created, exited, kernel, user windows.Filetime
	if windows.GetProcessTimes(h, &created, &exited, &kernel, &user) != nil {
		return 0
	}
	return int64(created.HighDateTime)<<32 | int64(created.LowDateTime)
}

// List takes a Tool Help snapshot of the processes; start times come from each one's
// handle (0 for those that may not be opened).
func List() ([]Process, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(snap)
	var out []Process
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		p := Process{PID: int(e.ProcessID), PPID: int(e.ParentProcessID), Name: windows.UTF16ToString(e.ExeFile[:])}
		if h, err := open(p.PID); err == nil {
			p.Start = startOf(h)
			windows.CloseHandle(h)
		}
		out = append(out, p)
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, err
	}
	return out, nil
}

// Cmdline asks for the process's command line (Windows 8.1 and later) and splits it the
// way the C runtime does.
func Cmdline(pid int) ([]string, error) {
	h, err := open(pid)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(h)
	var n uint32
	buf := make([]byte, 4096)
	for {
		err = windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation, unsafe.Pointer(&buf[0]), uint32(len(buf)), &n)
		if !errors.Is(err, windows.STATUS_INFO_LENGTH_MISMATCH) || int(n) <= len(buf) {
			break
		}
		buf = make([]byte, n)
	}
	if err != nil {
		return nil, err
	}
	s := (*windows.NTUnicodeString)(unsafe.Pointer(&buf[0]))
	return windows.DecomposeCommandLine(s.String())
}

// Environ is not offered on Windows: another process's environment lies in its memory
// (the PEB), which needs more rights than this server's uses justify.
func Environ(int) ([]string, error) { return nil, errors.ErrUnsupported }
