package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

// root is the module root, two levels up from this package.
var root = filepath.Join("..", "..")

// releaseConfig is the part of .goreleaser.yaml this test holds to the Makefile and to
// this tool.
type releaseConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID      string     `yaml:"id"`
		Main    string     `yaml:"main"`
		Binary  string     `yaml:"binary"`
		Env     []string   `yaml:"env"`
		Flags   []string   `yaml:"flags"`
		Ldflags []string   `yaml:"ldflags"`
		Goos    []string   `yaml:"goos"`
		Goarch  []string   `yaml:"goarch"`
		Ignore  []platform `yaml:"ignore"`
		Targets []string   `yaml:"targets"`
	} `yaml:"builds"`
	Archives []struct {
		IDs             []string `yaml:"ids"`
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
}

type platform struct {
	Goos   string `yaml:"goos"`
	Goarch string `yaml:"goarch"`
}

func readReleaseConfig(t *testing.T) releaseConfig {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c releaseConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	return c
}

// makeVar reads a variable's value from the Makefile (continuation lines joined).
func makeVar(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*[?:]?=(.*)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("Makefile sets no %s", name)
	}
	return strings.Fields(m[1])
}

// The platforms the Makefile vets and builds (`make cross`, part of `make test`) are
// exactly those released, by GoReleaser and by `make dist`.
func TestReleaseTargetsMatchMakefile(t *testing.T) {
	c := readReleaseConfig(t)
	if len(c.Builds) != 1 {
		t.Fatalf("%d builds in .goreleaser.yaml, want 1", len(c.Builds))
	}
	b := c.Builds[0]
	if len(b.Targets) > 0 {
		t.Fatal("builds[0].targets is set: list goos and goarch (and ignore) instead, so this test can read them")
	}
	var released []string
	for _, goos := range b.Goos {
		for _, goarch := range b.Goarch {
			ignored := slices.ContainsFunc(b.Ignore, func(i platform) bool {
				return (i.Goos == "" || i.Goos == goos) && (i.Goarch == "" || i.Goarch == goarch)
			})
			if !ignored {
				released = append(released, goos+"/"+goarch)
			}
		}
	}
	cross := makeVar(t, "CROSS_TARGETS")
	slices.Sort(released)
	sortedCross := slices.Sorted(slices.Values(cross))
	if !slices.Equal(released, sortedCross) {
		t.Fatalf(".goreleaser.yaml releases %v; the Makefile's CROSS_TARGETS is %v", released, sortedCross)
	}
	for _, want := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"} {
		if !slices.Contains(cross, want) {
			t.Errorf("CROSS_TARGETS lacks %s", want)
		}
	}
}

// The GoReleaser recipe and this tool build and pack alike.
func TestReleaseConfigMatchesDistTool(t *testing.T) {
	c := readReleaseConfig(t)
	if c.Version != 2 || c.ProjectName != project {
		t.Fatalf("version %d, project_name %q: want 2 and %q", c.Version, c.ProjectName, project)
	}
	b := c.Builds[0]
	if b.Main != mainPkg || b.Binary != project {
		t.Errorf("main %q binary %q, want %q %q", b.Main, b.Binary, mainPkg, project)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("env %v flags %v: want CGO_ENABLED=0 and -trimpath", b.Env, b.Flags)
	}
	s := stamp{Version: "1.2.3", Commit: "0123456789abcdef", Date: "2026-12-01T10:00:00Z"}
	got := strings.NewReplacer("{{.Version}}", s.Version, "{{.Commit}}", s.Commit, "{{.CommitDate}}", s.Date).Replace(strings.Join(b.Ldflags, " "))
	if got != ldflags(s) {
		t.Errorf("ldflags:\n .goreleaser.yaml %s\n internal/dist    %s", got, ldflags(s))
	}
	if len(c.Archives) != 1 {
		t.Fatalf("%d archives, want 1", len(c.Archives))
	}
	a := c.Archives[0]
	name := strings.NewReplacer("{{ .ProjectName }}", project, "{{ .Version }}", "1.2.3", "{{ .Os }}", "linux", "{{ .Arch }}", "arm64").Replace(a.NameTemplate)
	if name+".tar.gz" != archiveName("1.2.3", "linux", "arm64") {
		t.Errorf("archive name_template %q gives %q, internal/dist %q", a.NameTemplate, name+".tar.gz", archiveName("1.2.3", "linux", "arm64"))
	}
	if !slices.Equal(a.Formats, []string{"tar.gz"}) || len(a.FormatOverrides) != 1 || a.FormatOverrides[0].Goos != "windows" || !slices.Equal(a.FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archive formats %v overrides %+v: want tar.gz, zip for windows", a.Formats, a.FormatOverrides)
	}
	if !slices.Equal(a.Files, archiveFiles) {
		t.Errorf("archive files %v, internal/dist packs %v", a.Files, archiveFiles)
	}
	for _, f := range a.Files {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("archive file: %v", err)
		}
	}
	sums := strings.NewReplacer("{{ .ProjectName }}", project, "{{ .Version }}", "1.2.3").Replace(c.Checksum.NameTemplate)
	if sums != checksumsName("1.2.3") || c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum %q (%s), internal/dist writes %q (sha256)", sums, c.Checksum.Algorithm, checksumsName("1.2.3"))
	}
}

// `go install github.com/codex-mcp/codex-mcp/cmd/codex-mcp@latest` works only with the
// module path it is fetched by and no replace directives; the README says that command.
func TestGoInstallable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	first := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first == "" && line != "" && !strings.HasPrefix(line, "//") {
			first = line
		}
		if strings.HasPrefix(line, "replace") || strings.HasPrefix(line, "exclude") {
			t.Errorf("go.mod: %q: `go install …@latest` refuses a module with replace or exclude directives", line)
		}
	}
	if first != "module github.com/codex-mcp/codex-mcp" {
		t.Errorf("go.mod starts %q", first)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte("go install github.com/codex-mcp/codex-mcp/cmd/codex-mcp@latest")) {
		t.Error("README.md does not give the go install command")
	}
}

// Archives hold the binary (executable) and the files, at the commit's time, and the
// same input packs to the same bytes; the checksums file is what sha256sum -c reads.
func TestArchivesAndChecksums(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.WriteFile(bin, []byte("binary"), 0o700); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(dir, "README.md")
	if err := os.WriteFile(readme, []byte("# readme\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, exe := range []string{"codex-mcp", "codex-mcp.exe"} {
		files := []packFile{{Name: exe, Path: bin, Mode: 0o755}, {Name: "README.md", Path: readme, Mode: 0o644}}
		ext := ".tar.gz"
		if strings.HasSuffix(exe, ".exe") {
			ext = ".zip"
		}
		a, b := filepath.Join(dir, "a"+ext), filepath.Join(dir, "b"+ext)
		for _, p := range []string{a, b} {
			if err := writeArchive(p, files, mtime); err != nil {
				t.Fatal(err)
			}
		}
		da, _ := os.ReadFile(a)
		db, _ := os.ReadFile(b)
		if !bytes.Equal(da, db) {
			t.Errorf("%s: two packs of the same files differ", ext)
		}
		entries := readArchive(t, a)
		if len(entries) != 2 || entries[0].name != exe || entries[0].mode != 0o755 || entries[0].data != "binary" ||
			entries[1].name != "README.md" || entries[1].mode != 0o644 || !entries[0].mtime.Equal(mtime) {
			t.Errorf("%s entries: %+v", ext, entries)
		}
	}
	sums, err := checksums(dir, []string{"b.zip", "a.tar.gz"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(sums, "\n"), "\n")
	data, _ := os.ReadFile(filepath.Join(dir, "a.tar.gz"))
	sum := sha256.Sum256(data)
	if len(lines) != 2 || lines[0] != hex.EncodeToString(sum[:])+"  a.tar.gz" || !strings.HasSuffix(lines[1], "  b.zip") {
		t.Errorf("checksums:\n%s", sums)
	}
	if want := "codex-mcp_1.2.3_windows_arm64.zip"; archiveName("1.2.3", "windows", "arm64") != want {
		t.Errorf("archive name %q, want %q", archiveName("1.2.3", "windows", "arm64"), want)
	}
}

type entry struct {
	name  string
	mode  int64
	data  string
	mtime time.Time
}

func readArchive(t *testing.T, path string) []entry {
	t.Helper()
	var out []entry
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(rc)
			rc.Close()
			out = append(out, entry{f.Name, int64(f.Mode().Perm()), string(data), f.Modified.UTC()})
		}
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out = append(out, entry{h.Name, h.Mode, string(data), h.ModTime.UTC()})
	}
}
