package gitstate

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	const h1, h2 = "422c2b7ab3b3c668038da977e4e93a5fc623169c", "975fbec8256d3e8a3797e7a3611380f27c49f4ac"
	z := func(recs ...string) []byte { return []byte(strings.Join(recs, "\x00") + "\x00") }
	for _, tc := range []struct {
		name string
		in   []byte
		want Status
		err  bool
	}{
		{name: "empty", in: nil, want: Status{}},
		{
			name: "headers",
			in:   z("# branch.oid "+h1, "# branch.head main", "# branch.upstream origin/main"),
			want: Status{Head: h1},
		},
		{name: "unborn branch", in: z("# branch.oid (initial)", "# branch.head main"), want: Status{}},
		{
			name: "changed, path with spaces",
			in:   z("1 .M N... 100644 100644 100644 " + h1 + " " + h1 + " dir with space/a b.txt"),
			want: Status{Entries: []Entry{{Kind: '1', X: '.', Y: 'M', Sub: "N...", ModeHead: "100644", ModeIndex: "100644", ModeWorktree: "100644",
				HashHead: h1, HashIndex: h1, Path: "dir with space/a b.txt"}}},
		},
		{
			name: "deleted in the work tree",
			in:   z("1 .D N... 100644 100644 000000 " + h2 + " " + h2 + " del.txt"),
			want: Status{Entries: []Entry{{Kind: '1', X: '.', Y: 'D', Sub: "N...", ModeHead: "100644", ModeIndex: "100644", ModeWorktree: "000000",
				HashHead: h2, HashIndex: h2, Path: "del.txt"}}},
		},
		{
			name: "rename: the source is the next field, newlines and spaces are the paths' own",
			in:   z("2 R. N... 100644 100644 100644 "+h1+" "+h1+" R100 new\nname.txt", "old name.txt", "? after.txt"),
			want: Status{Entries: []Entry{
				{Kind: '2', X: 'R', Y: '.', Sub: "N...", ModeHead: "100644", ModeIndex: "100644", ModeWorktree: "100644",
					HashHead: h1, HashIndex: h1, Score: "R100", Path: "new\nname.txt", OrigPath: "old name.txt"},
				{Kind: '?', X: '?', Y: '?', Path: "after.txt"},
			}},
		},
		{
			name: "copy with a score",
			in:   z("2 C. N... 100644 100644 100644 "+h1+" "+h1+" C75 copy.txt", "src.txt"),
			want: Status{Entries: []Entry{{Kind: '2', X: 'C', Y: '.', Sub: "N...", ModeHead: "100644", ModeIndex: "100644", ModeWorktree: "100644",
				HashHead: h1, HashIndex: h1, Score: "C75", Path: "copy.txt", OrigPath: "src.txt"}}},
		},
		{
			name: "unmerged",
			in:   z("u UU N... 100644 100644 100644 100644 " + h1 + " " + h2 + " " + h1 + " conflict.go"),
			want: Status{Entries: []Entry{{Kind: 'u', X: 'U', Y: 'U', Sub: "N...", ModeHead: "100644", ModeIndex: "100644", ModeWorktree: "100644",
				HashHead: h1, HashIndex: h2, Path: "conflict.go"}}},
		},
		{
			name: "submodule with a new commit",
			in:   z("1 .M SC.. 160000 160000 160000 " + h1 + " " + h1 + " vendor/lib"),
			want: Status{Entries: []Entry{{Kind: '1', X: '.', Y: 'M', Sub: "SC..", ModeHead: "160000", ModeIndex: "160000", ModeWorktree: "160000",
				HashHead: h1, HashIndex: h1, Path: "vendor/lib"}}},
		},
		{
			name: "untracked and ignored, unicode",
			in:   z("? ünïcødé/日本.txt", "! build/out.o"),
			want: Status{Entries: []Entry{{Kind: '?', X: '?', Y: '?', Path: "ünïcødé/日本.txt"}, {Kind: '!', X: '!', Y: '!', Path: "build/out.o"}}},
		},
		{
			name: "a record type a later git may add is skipped",
			in:   z("9 something new", "? kept.txt"),
			want: Status{Entries: []Entry{{Kind: '?', X: '?', Y: '?', Path: "kept.txt"}}},
		},
		{
			name: "cut inside the last record",
			in:   []byte("? whole.txt\x00? cut-he"),
			want: Status{Entries: []Entry{{Kind: '?', X: '?', Y: '?', Path: "whole.txt"}}, Cut: true},
		},
		{
			name: "cut before a rename's source",
			in:   []byte("2 R. N... 100644 100644 100644 " + h1 + " " + h1 + " R100 new.txt\x00old"),
			want: Status{Cut: true},
		},
		{name: "a changed record without its fields", in: z("1 .M N... 100644"), err: true},
		{name: "an untracked record without a path", in: z("?"), err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseStatus(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if tc.err {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestEntryInWorktree(t *testing.T) {
	for _, tc := range []struct {
		e    Entry
		want bool
	}{
		{Entry{Kind: '1', ModeWorktree: "100644"}, true},
		{Entry{Kind: '1', ModeWorktree: "000000"}, false},
		{Entry{Kind: '2', ModeWorktree: "100755"}, true},
		{Entry{Kind: '?'}, true},
		{Entry{Kind: 'x'}, false},
	} {
		if got := tc.e.InWorktree(); got != tc.want {
			t.Errorf("%+v: %v", tc.e, got)
		}
	}
}

func TestParseNameStatusAndNumstat(t *testing.T) {
	ns, cut := parseNameStatus([]byte("M\x00a b.txt\x00D\x00gone\nline.txt\x00A\x00new.txt\x00"))
	want := []nameStatus{{'M', "a b.txt"}, {'D', "gone\nline.txt"}, {'A', "new.txt"}}
	if cut || !reflect.DeepEqual(ns, want) {
		t.Fatalf("name-status: %+v cut=%v", ns, cut)
	}
	if ns, cut := parseNameStatus([]byte("M\x00a.txt\x00D\x00cu")); !cut || len(ns) != 1 {
		t.Fatalf("cut name-status: %+v cut=%v", ns, cut)
	}
	n := parseNumstat([]byte("3\t1\tsrc/a b.go\x00-\t-\timage.png\x00junk\x0012\t0\tnew\nline\x00"))
	wantN := []numstat{{Added: 3, Removed: 1, Path: "src/a b.go"}, {Binary: true, Path: "image.png"}, {Added: 12, Path: "new\nline"}}
	if !reflect.DeepEqual(n, wantN) {
		t.Fatalf("numstat: %+v", n)
	}
}

func TestRel(t *testing.T) {
	for _, tc := range []struct{ prefix, path, want string }{
		{"", "a/b.txt", "a/b.txt"},
		{"sub/", "sub/x.txt", "x.txt"},
		{"sub/dir/", "sub/dir/deep/x", "deep/x"},
		{"sub/dir/", "sub/other.txt", "../other.txt"},
		{"sub/dir/", "top.txt", "../../top.txt"},
	} {
		s := &Snapshot{Prefix: tc.prefix}
		if got := s.rel(tc.path); got != tc.want {
			t.Errorf("rel(%q, %q) = %q, want %q", tc.prefix, tc.path, got, tc.want)
		}
	}
}
