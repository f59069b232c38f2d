package codex

import (
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestParseLifecycle(t *testing.T) {
	first := map[string]Lifecycle{"linux": LifecyclePdeathsig, "windows": LifecycleJob}[runtime.GOOS]
	if first == "" {
		first = LifecycleWatcher
	}
	cases := []struct {
		in   string
		want Lifecycle
		ok   bool
	}{
		{"", first, true},
		{"auto", first, true},
		{" Auto ", first, true},
		{"watcher", LifecycleWatcher, runtime.GOOS != "windows"},
		{"pdeathsig", LifecyclePdeathsig, runtime.GOOS == "linux"},
		{"job", LifecycleJob, runtime.GOOS == "windows"},
		{"systemd", "", false},
	}
	for _, c := range cases {
		got, err := ParseLifecycle(c.in)
		if c.ok && (err != nil || got != c.want) || !c.ok && (err == nil || !strings.Contains(err.Error(), "want auto, ")) {
			t.Errorf("%q: %q %v", c.in, got, err)
		}
	}
	if ls := Lifecycles(); len(ls) == 0 || ls[0] != first || slices.Contains(ls, LifecycleAuto) {
		t.Errorf("lifecycles %q", ls)
	}
}

func TestLifecycleFromEnv(t *testing.T) {
	env := []string{LifecycleEnv + "=nonsense", "OTHER=1"}
	if got := lifecycleFrom(env, discard()); got != Lifecycles()[0] {
		t.Errorf("a bad value: %q", got)
	}
	if runtime.GOOS != "windows" {
		env = append(env, LifecycleEnv+"=watcher") // the last one wins
		if got := lifecycleFrom(env, discard()); got != LifecycleWatcher {
			t.Errorf("the last value: %q", got)
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
