package memory

import (
	"testing"
)

// deadOwner is a process that cannot exist: Linux pids stop at 1<<22.
var deadOwner = Owner{PID: 1 << 30, StartTime: 1, Host: Self().Host}

func TestLeaseRules(t *testing.T) {
	type step struct {
		do      string // "acquire", "release" or "release-owner"
		session string
		run     string
		owner   Owner
		won     bool   // acquire: whether it is taken
		holder  string // acquire: the run holding it afterwards
	}
	me := Self()
	tests := []struct {
		name string
		runs []Run // recorded before the steps
		fin  []string
		// steps run in order on a fresh store
		steps []step
	}{
		{"free session is taken; a second run is refused with the holder", []Run{{RunID: "a", SessionID: "s", Owner: me}}, nil, []step{
			{do: "acquire", session: "s", run: "a", owner: me, won: true, holder: "a"},
			{do: "acquire", session: "s", run: "b", owner: me, won: false, holder: "a"},
			{do: "acquire", session: "s", run: "a", owner: me, won: true, holder: "a"}, // again: still its
			{do: "acquire", session: "other", run: "b", owner: me, won: true, holder: "b"},
		}},
		{"a holder that is not recorded yet keeps it while alive", nil, nil, []step{
			{do: "acquire", session: "s", run: "a", owner: me, won: true, holder: "a"},
			{do: "acquire", session: "s", run: "b", owner: me, won: false, holder: "a"},
		}},
		{"a dead holder's lease is taken over", nil, nil, []step{
			{do: "acquire", session: "s", run: "a", owner: deadOwner, won: true, holder: "a"},
			{do: "acquire", session: "s", run: "b", owner: me, won: true, holder: "b"},
		}},
		{"a holder whose run ended is taken over", []Run{{RunID: "a", SessionID: "s", Owner: me}}, []string{"a"}, []step{
			{do: "acquire", session: "s", run: "a", owner: me, won: true, holder: "a"},
			{do: "acquire", session: "s", run: "b", owner: me, won: true, holder: "b"},
		}},
		{"release by a non-holder does nothing; by the holder frees it", nil, nil, []step{
			{do: "acquire", session: "s", run: "a", owner: me, won: true, holder: "a"},
			{do: "release", session: "s", run: "b"},
			{do: "acquire", session: "s", run: "c", owner: me, won: false, holder: "a"},
			{do: "release", session: "s", run: "a"},
			{do: "acquire", session: "s", run: "c", owner: me, won: true, holder: "c"},
		}},
		{"release-owner frees only that owner's leases", nil, nil, []step{
			{do: "acquire", session: "s1", run: "a", owner: me, won: true, holder: "a"},
			{do: "acquire", session: "s2", run: "b", owner: Owner{PID: me.PID, StartTime: me.StartTime, Host: "elsewhere"}, won: true, holder: "b"},
			{do: "release-owner", owner: me},
			{do: "acquire", session: "s1", run: "c", owner: me, won: true, holder: "c"},
			{do: "acquire", session: "s2", run: "c", owner: me, won: false, holder: "b"}, // other host: alive
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			ctx := t.Context()
			for _, r := range tt.runs {
				must(t, s.InsertRun(ctx, r))
			}
			for _, id := range tt.fin {
				must(t, s.FinishRun(ctx, Run{RunID: id, Status: StatusCompleted}))
			}
			for i, st := range tt.steps {
				switch st.do {
				case "acquire":
					l, won, err := s.AcquireLease(ctx, st.session, st.run, st.owner)
					if err != nil || won != st.won || l.RunID != st.holder || l.SessionID != st.session || l.Since.IsZero() {
						t.Fatalf("step %d: AcquireLease(%s, %s) = %+v, %v, %v; want holder %s, %v", i, st.session, st.run, l, won, err, st.holder, st.won)
					}
				case "release":
					must(t, s.ReleaseLease(ctx, st.session, st.run))
				case "release-owner":
					if _, err := s.ReleaseOwnerLeases(ctx, st.owner); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

func TestMarkInterruptedDropsDeadLeases(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	for _, c := range []struct {
		session, run string
		owner        Owner
	}{{"s-dead", "d", deadOwner}, {"s-live", "l", Self()}} {
		must(t, s.InsertRun(ctx, Run{RunID: c.run, SessionID: c.session, Owner: c.owner}))
		if _, won, err := s.AcquireLease(ctx, c.session, c.run, c.owner); err != nil || !won {
			t.Fatal(won, err)
		}
	}
	if n, err := s.MarkInterrupted(ctx, ProcessAlive); err != nil || n != 1 {
		t.Fatalf("MarkInterrupted = %d, %v", n, err)
	}
	var left []string
	rows, err := s.db.QueryContext(ctx, `SELECT session_id FROM leases ORDER BY session_id`)
	must(t, err)
	for rows.Next() {
		var sid string
		must(t, rows.Scan(&sid))
		left = append(left, sid)
	}
	must(t, rows.Err())
	if len(left) != 1 || left[0] != "s-live" {
		t.Errorf("leases left = %v, want [s-live]", left)
	}
}

func TestRetriedWrites(t *testing.T) {
	full := Run{RunID: "r", SessionID: "s", Kind: KindResume, ConversationID: "c", Directory: "/repo",
		Task: "fix it", Sandbox: "read-only", StartedAt: at(0), Owner: Self()}
	done := full
	done.Status, done.FinalMessage, done.FilesChanged, done.EndedAt = StatusCompleted, "fixed", []string{"a.go"}, at(3)
	noSession := full
	noSession.SessionID = ""

	// Each case is a sequence of writes of one run, as a caller retrying failed writes
	// may issue them; all must end with the same single, correct record.
	write := map[string]func(s *Store) error{
		"insert":            func(s *Store) error { return s.InsertRun(t.Context(), full) },
		"finish":            func(s *Store) error { return s.FinishRun(t.Context(), done) },
		"insert-no-session": func(s *Store) error { return s.InsertRun(t.Context(), noSession) },
		"set-session":       func(s *Store) error { return s.SetSessionID(t.Context(), "r", "s") },
	}
	tests := []struct {
		name   string
		writes []string // keys of write, in order
		want   Status
	}{
		{"InsertRun twice", []string{"insert", "insert"}, StatusRunning},
		{"InsertRun retried after FinishRun", []string{"insert", "finish", "insert"}, StatusCompleted},
		{"FinishRun without InsertRun, then the late InsertRun", []string{"finish", "insert"}, StatusCompleted},
		{"FinishRun twice", []string{"finish", "finish"}, StatusCompleted},
		{"InsertRun retried without the session id SetSessionID recorded",
			[]string{"insert-no-session", "set-session", "insert-no-session"}, StatusRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			for _, w := range tt.writes {
				if err := write[w](s); err != nil {
					t.Fatalf("%s: %v", w, err)
				}
			}
			ss, runs, ok, err := s.Session(t.Context(), "s")
			if err != nil || !ok || len(runs) != 1 || ss.Turns != 1 {
				t.Fatalf("session %+v, %d runs, %v, %v; want one run", ss, len(runs), ok, err)
			}
			r := runs[0]
			if r.Status != tt.want || ss.Status != tt.want || r.Task != full.Task || r.Directory != full.Directory ||
				r.Kind != full.Kind || !r.StartedAt.Equal(full.StartedAt) || r.Owner != full.Owner {
				t.Errorf("run %+v", r)
			}
			if tt.want == StatusCompleted && (r.FinalMessage != "fixed" || len(r.FilesChanged) != 1 || !r.EndedAt.Equal(at(3))) {
				t.Errorf("outcome lost: %+v", r)
			}
			checkIndex(t, s)
		})
	}
}
