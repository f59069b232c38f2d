// Command dist builds the release archives locally, as .goreleaser.yaml describes them,
// with nothing but the go command: for each GOOS/GOARCH a CGO_ENABLED=0, -trimpath build
// of ./cmd/codex-mcp stamped with -ldflags "-s -w -X main.version=…", packed with the
// README and mcp.json.example into codex-mcp_<version>_<os>_<arch>.tar.gz (.zip for
// Windows), and a codex-mcp_<version>_checksums.txt of their SHA-256 sums. `make dist`
// runs it; its test keeps it, the Makefile's CROSS_TARGETS and .goreleaser.yaml in step.
//
//	go run ./internal/dist [-out dist] [-version V] [-commit SHA] [-date RFC3339] os/arch...
//
// Without -version: the tag at HEAD (v1.2.3 → 1.2.3), else a snapshot,
// <last tag or 0.0.0>-SNAPSHOT-<short commit>, as `goreleaser --snapshot` names it.
// Archives are reproducible: every entry has the commit's time and fixed modes.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	project = "codex-mcp"
	mainPkg = "./cmd/codex-mcp"
)

// archiveFiles go into every archive beside the binary (the archives' files: in
// .goreleaser.yaml).
var archiveFiles = []string{"README.md", "mcp.json.example"}

// stamp is what a release binary is told of itself.
type stamp struct{ Version, Commit, Date string }

// ldflags are the release builds' link flags (the builds' ldflags: in .goreleaser.yaml,
// with {{.Version}}, {{.Commit}} and {{.CommitDate}} filled in).
func ldflags(s stamp) string {
	return fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.date=%s", s.Version, s.Commit, s.Date)
}

func archiveName(version, goos, goarch string) string {
	ext := ".tar.gz"
	if goos == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("%s_%s_%s_%s%s", project, version, goos, goarch, ext)
}

func checksumsName(version string) string {
	return fmt.Sprintf("%s_%s_checksums.txt", project, version)
}

func binaryName(goos string) string {
	if goos == "windows" {
		return project + ".exe"
	}
	return project
}

func main() {
	out := flag.String("out", "dist", "directory for the archives (created; must not hold archives already)")
	var s stamp
	flag.StringVar(&s.Version, "version", "", "version to stamp (default: from git)")
	flag.StringVar(&s.Commit, "commit", "", "commit to stamp (default: git rev-parse HEAD)")
	flag.StringVar(&s.Date, "date", "", "commit date to stamp, RFC 3339 (default: HEAD's commit time)")
	flag.Parse()
	if err := run(*out, s, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(out string, s stamp, targets []string) error {
	if len(targets) == 0 {
		return errors.New("no targets: pass GOOS/GOARCH pairs, e.g. linux/amd64 darwin/arm64")
	}
	if _, err := os.Stat(filepath.FromSlash(mainPkg)); err != nil {
		return fmt.Errorf("run from the module root (no %s here): %w", mainPkg, err)
	}
	s, mtime, err := fillStamp(s)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if old, _ := filepath.Glob(filepath.Join(out, project+"_*")); len(old) > 0 {
		return fmt.Errorf("%s already holds %s: remove it first (make dist does)", out, filepath.Base(old[0]))
	}
	buildDir, err := os.MkdirTemp("", "codex-mcp-dist-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(buildDir)
	var archives []string
	for _, t := range targets {
		goos, goarch, ok := strings.Cut(t, "/")
		if !ok || goos == "" || goarch == "" {
			return fmt.Errorf("target %q: want GOOS/GOARCH, e.g. linux/amd64", t)
		}
		bin := filepath.Join(buildDir, goos+"_"+goarch, binaryName(goos))
		fmt.Printf("== build %s %s\n", t, s.Version)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags(s), "-o", bin, mainPkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build for %s: %w", t, err)
		}
		files := []packFile{{Name: binaryName(goos), Path: bin, Mode: 0o755}}
		for _, f := range archiveFiles {
			files = append(files, packFile{Name: f, Path: f, Mode: 0o644})
		}
		name := archiveName(s.Version, goos, goarch)
		if err := writeArchive(filepath.Join(out, name), files, mtime); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		archives = append(archives, name)
	}
	sums, err := checksums(out, archives)
	if err != nil {
		return err
	}
	sumsName := checksumsName(s.Version)
	if err := os.WriteFile(filepath.Join(out, sumsName), []byte(sums), 0o644); err != nil {
		return err
	}
	fmt.Printf("== %s\n%s", filepath.Join(out, sumsName), sums)
	return nil
}

// fillStamp fills what s leaves out from git, and returns the time archive entries get.
func fillStamp(s stamp) (stamp, time.Time, error) {
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	if s.Commit == "" {
		s.Commit = git("rev-parse", "HEAD")
	}
	mtime := time.Now().UTC().Truncate(time.Second)
	if s.Date == "" {
		if sec, err := strconv.ParseInt(git("log", "-1", "--format=%ct"), 10, 64); err == nil {
			mtime = time.Unix(sec, 0).UTC()
		}
		s.Date = mtime.Format(time.RFC3339)
	} else {
		t, err := time.Parse(time.RFC3339, s.Date)
		if err != nil {
			return s, mtime, fmt.Errorf("-date %q: want RFC 3339, e.g. 2026-12-01T10:00:00Z", s.Date)
		}
		mtime = t.UTC()
	}
	if s.Version == "" {
		if tag := git("describe", "--tags", "--exact-match", "--match", "v[0-9]*", "HEAD"); tag != "" {
			s.Version = strings.TrimPrefix(tag, "v")
		} else {
			last := strings.TrimPrefix(git("describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", "HEAD"), "v")
			if last == "" {
				last = "0.0.0"
			}
			short := git("rev-parse", "--short", "HEAD")
			if short == "" {
				short = "unknown"
			}
			s.Version = last + "-SNAPSHOT-" + short
		}
	}
	if strings.ContainsAny(s.Version+s.Commit+s.Date, " \t\n'\"") {
		return s, mtime, fmt.Errorf("version %q, commit %q and date %q must not hold spaces or quotes", s.Version, s.Commit, s.Date)
	}
	return s, mtime, nil
}

// packFile is one archive entry: Name in the archive, read from Path.
type packFile struct {
	Name string
	Path string
	Mode int64
}

// writeArchive writes a .zip or .tar.gz (by dst's name) of files, every entry at mtime.
func writeArchive(dst string, files []packFile, mtime time.Time) error {
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(dst, ".zip") {
		err = writeZip(&buf, files, mtime)
	} else {
		err = writeTarGz(&buf, files, mtime)
	}
	if err != nil {
		return err
	}
	return os.WriteFile(dst, buf.Bytes(), 0o644)
}

func writeTarGz(w io.Writer, files []packFile, mtime time.Time) error {
	gz, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	gz.ModTime = time.Time{} // no time or name in the gzip header: reproducible
	tw := tar.NewWriter(gz)
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: f.Name, Mode: f.Mode, Size: int64(len(data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, files []packFile, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			return err
		}
		hdr := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(os.FileMode(f.Mode))
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := fw.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// checksums is the checksums file: "<sha256>  <name>" per archive, sorted by name, as
// sha256sum prints it and `sha256sum -c` reads it.
func checksums(dir string, names []string) (string, error) {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	var b strings.Builder
	for _, n := range sorted {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), n)
	}
	return b.String(), nil
}
