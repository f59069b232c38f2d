package codex

import (
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows has no signals, process groups to signal, or subreaper: a Job Object holds
// codex and everything it starts.
var osLifecycles = []Lifecycle{LifecycleJob}

// jobHold holds a process in a Job Object of its own with
// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, whose only handle is this server's. Every process
// started by one in the job is in it too, so the job is the whole run: it is terminated
// on cancellation, timeout and the run's end, and when the server dies the kernel
// closes the handle, which kills everything in it.
//
// The process is created suspended and resumed only once it is in the job: assigning it
// after an ordinary start would race with codex's first instructions, and a process it
// started in between would be outside the job for good. Suspended, it runs nothing
// before it is held, so there is no race to accept.
type jobHold struct {
	cmd    *exec.Cmd
	logger *slog.Logger
	job    windows.Handle

	mu     sync.Mutex
	closed bool
	inJob  bool // false when the process could not be put in the job (then only it is killed)
}

func newHold(cmd *exec.Cmd, o holdOptions) (hold, error) {
	job, err := windows.CreateJobObject(nil, nil) // not inheritable: no child may keep it
	if err != nil {
		return nil, fmt.Errorf("creating a job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		_ = windows.CloseHandle(job)
		return nil, fmt.Errorf("setting kill-on-close on the job object: %w", err)
	}
	// Its own console process group, so a console interrupt meant for the server does
	// not reach it; suspended until it is in the job (above).
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED}
	return &jobHold{cmd: cmd, logger: o.logger, job: job}, nil
}

func (h *jobHold) started() (int, error) {
	pid := h.cmd.Process.Pid
	p, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err == nil {
		err = windows.AssignProcessToJobObject(h.job, p)
		_ = windows.CloseHandle(p)
	}
	if err != nil {
		// Seen where the server itself runs in a job that forbids nesting (before
		// Windows 8): codex runs, but only it can be ended.
		h.logger.Warn("codex runs outside a job object, so what it starts may outlive the run", "err", err)
	} else {
		h.inJob = true
	}
	if err := resumeProcess(pid); err != nil {
		_ = h.cmd.Process.Kill()
		return 0, fmt.Errorf("resuming codex: %w", err)
	}
	return pid, nil
}

// stop terminates the job at once: Windows has no signal to ask a console program
// without a console of its own to stop, so there is no grace to give.
func (h *jobHold) stop() { h.terminate() }

func (h *jobHold) end() int {
	left := h.active()
	h.terminate()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		_ = windows.CloseHandle(h.job)
	}
	return left
}

func (h *jobHold) terminate() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.cmd.Process == nil {
		return
	}
	if !h.inJob {
		_ = h.cmd.Process.Kill()
		return
	}
	if err := windows.TerminateJobObject(h.job, 1); err != nil {
		h.logger.Debug("terminating codex's job object", "err", err)
	}
}

// jobAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION (not in x/sys/windows).
type jobAccounting struct {
	TotalUserTime, TotalKernelTime                                                 int64
	ThisPeriodTotalUserTime, ThisPeriodTotalKernelTime                             int64
	TotalPageFaultCount, TotalProcesses, ActiveProcesses, TotalTerminatedProcesses uint32
}

// active counts the processes still in the job: once codex has exited, what it left.
func (h *jobHold) active() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || !h.inJob {
		return 0
	}
	var a jobAccounting
	if err := windows.QueryInformationJobObject(h.job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&a)), uint32(unsafe.Sizeof(a)), nil); err != nil {
		return 0
	}
	return int(a.ActiveProcesses)
}

// resumeProcess resumes the threads of a process created suspended (it has one): Go's
// os/exec keeps no handle to it, so it is found in a Tool Help snapshot.
func resumeProcess(pid int) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(snap)
	resumed := 0
	e := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	for err = windows.Thread32First(snap, &e); err == nil; err = windows.Thread32Next(snap, &e) {
		if e.OwnerProcessID != uint32(pid) {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, e.ThreadID)
		if err != nil {
			return err
		}
		_, err = windows.ResumeThread(th)
		_ = windows.CloseHandle(th)
		if err != nil {
			return err
		}
		resumed++
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return err
	}
	if resumed == 0 {
		return fmt.Errorf("no thread of process %d found", pid)
	}
	return nil
}
