package proc

import "testing"

func TestParseStat(t *testing.T) {
	tail := " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 4242 0 0" // fields 7 to 21, then 22: the start time
	cases := []struct {
		name string
		line string
		want Process
		ok   bool
	}{
		{"plain", "7 (sleep) S 5 7 7" + tail, Process{PID: 7, PPID: 5, Name: "sleep", PGID: 7, Start: 4242}, true},
		{"name with spaces and parens", "7 (a (b) c) R 5 6 6" + tail, Process{PID: 7, PPID: 5, Name: "a (b) c", PGID: 6, Start: 4242}, true},
		{"zombie", "7 (sh) Z 1 7 7" + tail, Process{PID: 7, PPID: 1, Name: "sh", PGID: 7, Start: 4242, Exited: true}, true},
		{"dead", "7 (sh) X 1 7 7" + tail, Process{PID: 7, PPID: 1, Name: "sh", PGID: 7, Start: 4242, Exited: true}, true},
		{"no parenthesis", "7 sleep S 5 7 7" + tail, Process{}, false},
		{"cut short", "7 (sleep) S 5 7 7 0 0", Process{}, false},
		{"not a number", "7 (sleep) S x 7 7" + tail, Process{}, false},
	}
	for _, c := range cases {
		got, err := parseStat(7, []byte(c.line))
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%s: %+v %v, want %+v ok=%v", c.name, got, err, c.want, c.ok)
		}
	}
}
